// The explore page's interactive chart. The server writes the ECharts option
// (built with go-echarts) into <script type="application/json"
// id="chart-option">; this file, served from /static like ECharts itself,
// reads it and draws. Nothing runs inline, so the page keeps a CSP without
// 'unsafe-inline'. JSON cannot carry functions: the unit formatters and the
// dark palette are applied here. Without this script (or without ECharts)
// the server-drawn SVG in #explore-chart stays in place.
(function () {
  'use strict';

  var el = document.getElementById('explore-chart');
  var block = document.getElementById('chart-option');
  if (!el || !block || typeof echarts === 'undefined') {
    return;
  }
  var data;
  try {
    data = JSON.parse(block.textContent);
  } catch (e) {
    return;
  }
  var unit = data.unit || '';
  var darkQuery = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;

  // --- Values, as units.Format writes them on the SVG charts. ---

  function decimals(a) {
    if (a >= 100 || a === 0) return 0;
    if (a >= 10) return 1;
    if (a >= 1) return 2;
    return Math.min(2 - Math.floor(Math.log10(a)), 9);
  }

  // sig3 writes about three significant digits without trailing zeros.
  function sig3(v) {
    var a = Math.abs(v);
    var s = v.toFixed(decimals(a));
    if (s.indexOf('.') >= 0) s = s.replace(/\.?0+$/, '');
    return s === '-0' ? '0' : s;
  }

  function si(v) {
    var a = Math.abs(v);
    if (a >= 1e9) return sig3(v / 1e9) + 'G';
    if (a >= 1e6) return sig3(v / 1e6) + 'M';
    if (a >= 1e3) return sig3(v / 1e3) + 'k';
    return sig3(v);
  }

  function percent(v) {
    var a = Math.abs(v);
    if (a === 0) return '0%';
    if (a >= 0.095) return v.toFixed(1) + '%';
    return sig3(v) + '%';
  }

  var binaryUnits = [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB'];

  function bytes(v) {
    var i = 0;
    while (i < binaryUnits.length - 1 && Math.abs(v) >= 1024) {
      v /= 1024;
      i++;
    }
    return sig3(v) + binaryUnits[i];
  }

  function format(v) {
    if (v === null || v === undefined || v === '-' || typeof v !== 'number' || isNaN(v)) return '—';
    switch (unit) {
      case 's':
        var a = Math.abs(v);
        if (a === 0) return '0 s';
        if (a < 1e-3) return sig3(v * 1e6) + ' µs';
        if (a < 0.9995) return sig3(v * 1e3) + ' ms';
        return sig3(v) + ' s';
      case '%':
        return percent(v);
      case 'ratio':
        return percent(v * 100);
      case 'bytes':
        return bytes(v);
      case 'req/s':
        return si(v) + ' req/s';
      case 'B/s':
        return si(v).replace(/([kMG]?)$/, ' $1B/s');
      case '':
        return si(v);
      default:
        return si(v) + ' ' + unit;
    }
  }

  // top is the highest point the y axis must reach: stacked series add up.
  function top(option) {
    var stacks = [];
    var best = 0;
    (option.series || []).forEach(function (s) {
      (s.data || []).forEach(function (d, i) {
        var y = Array.isArray(d) && typeof d[1] === 'number' ? d[1] : 0;
        if (s.stack) {
          stacks[i] = (stacks[i] || 0) + y;
          y = stacks[i];
        }
        if (y > best) best = y;
      });
    });
    return best;
  }

  // axisFormat labels every tick of the y axis in one scale, as the SVG
  // charts do: 0.3 s, 0.6 s, 0.9 s, 1.2 s rather than 900 ms next to 1.2 s.
  function axisFormat(max) {
    switch (unit) {
      case 'B/s':
        if (max >= 1e9) return function (v) { return sig3(v / 1e9) + ' GB/s'; };
        if (max >= 1e6) return function (v) { return sig3(v / 1e6) + ' MB/s'; };
        if (max >= 1e3) return function (v) { return sig3(v / 1e3) + ' kB/s'; };
        return function (v) { return sig3(v) + ' B/s'; };
      case 's':
        if (max >= 1) return function (v) { return v === 0 ? '0 s' : sig3(v) + ' s'; };
        if (max >= 1e-3) return function (v) { return sig3(v * 1e3) + ' ms'; };
        return function (v) { return sig3(v * 1e6) + ' µs'; };
      case 'req/s':
      case '':
        var suffix = unit ? ' ' + unit : '';
        if (max >= 1e9) return function (v) { return sig3(v / 1e9) + 'G' + suffix; };
        if (max >= 1e6) return function (v) { return sig3(v / 1e6) + 'M' + suffix; };
        if (max >= 1e4) return function (v) { return sig3(v / 1e3) + 'k' + suffix; };
        return function (v) { return sig3(v) + suffix; };
    }
    return format;
  }

  // Bytes read best on 1024 steps (256 MiB, 512 MiB, ...), which ECharts'
  // decimal ticks never land on: the smallest power of two giving at most
  // about five ticks.
  function binaryInterval(max) {
    if (max <= 0) return undefined;
    var step = 1;
    while (step < max / 5) step *= 2;
    return step;
  }

  function utcTime(ms) {
    return echarts.time.format(ms, '{yyyy}-{MM}-{dd} {HH}:{mm}:{ss}', true) + ' UTC';
  }

  // --- The option: the server's, plus what JSON cannot say. ---

  function option(dark) {
    var o = JSON.parse(JSON.stringify(data.option));
    o.backgroundColor = 'transparent';
    // Times read in UTC, as on the SVG charts and in the event list.
    o.useUTC = true;
    o.tooltip = Object.assign({}, o.tooltip, {
      trigger: 'axis',
      valueFormatter: format,
      confine: true,
      // An HTML tooltip carries style attributes, which the page's CSP
      // (style-src 'self') refuses; rich text is drawn inside the chart.
      renderMode: 'richText'
    });
    var max = top(o);
    o.yAxis = (o.yAxis || [{}]).map(function (y) {
      var out = Object.assign({}, y, { axisLabel: Object.assign({}, y.axisLabel, { formatter: axisFormat(max) }) });
      if (unit === 'bytes') {
        var iv = binaryInterval(max);
        if (iv) {
          out.interval = iv;
          // End on a tick, not on ECharts' own rounded maximum.
          out.max = function (extent) { return Math.ceil(extent.max / iv) * iv; };
        }
      }
      return out;
    });
    o.xAxis = (o.xAxis || [{}]).map(function (x) {
      return Object.assign({}, x, {
        axisLabel: Object.assign({ hideOverlap: true }, x.axisLabel),
        axisPointer: { label: { formatter: function (p) { return utcTime(p.value); } } }
      });
    });
    // go-echarts writes "icon": null for the zoom button, which would
    // hide ECharts' own icon.
    var feature = o.toolbox && o.toolbox.feature;
    if (feature && feature.dataZoom && feature.dataZoom.icon == null) delete feature.dataZoom.icon;
    if (dark) {
      // The dark theme's tooltip is white; match the page's dark panels.
      o.tooltip.backgroundColor = '#1b1a22';
      o.tooltip.borderColor = '#2e2d38';
      o.tooltip.textStyle = { color: '#ecebf3' };
    }
    if (dark && data.darkColors) {
      (o.series || []).forEach(function (s, i) {
        var c = data.darkColors[i];
        if (!c) return;
        if (s.lineStyle) s.lineStyle.color = c;
        if (s.itemStyle) s.itemStyle.color = c;
        if (s.markLine && s.markLine.lineStyle) s.markLine.lineStyle.color = c;
      });
    }
    return o;
  }

  // --- Drawing, resizing, following the system's colour scheme. ---

  var chart = null;

  function zoomOf(c) {
    if (!c) return null;
    var dz = c.getOption().dataZoom;
    return dz && dz.length ? { start: dz[0].start, end: dz[0].end } : null;
  }

  function draw() {
    var dark = !!(darkQuery && darkQuery.matches);
    // A theme cannot change on a live chart: draw again, keeping the zoom.
    var zoom = zoomOf(chart);
    if (chart) chart.dispose();
    else el.textContent = '';
    el.classList.add('live');
    chart = echarts.init(el, dark ? 'dark' : null, { renderer: 'svg' });
    var o = option(dark);
    if (zoom) {
      o.dataZoom = (o.dataZoom || []).map(function (d) {
        return Object.assign({}, d, zoom);
      });
    }
    chart.setOption(o);
  }

  draw();
  window.addEventListener('resize', function () {
    if (chart) chart.resize();
  });
  if (darkQuery) {
    if (darkQuery.addEventListener) darkQuery.addEventListener('change', draw);
    else if (darkQuery.addListener) darkQuery.addListener(draw);
  }
})();
