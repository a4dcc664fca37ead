package flysim

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The Machines API half of the capture comparison: the key paths of the
// apps, machines and volumes a real Fly org returned, with their JSON
// types, against flysim's.

// pathTypes maps a key path ("[].config.guest.cpus": "[]" is an array's
// elements) to the JSON types seen there.
type pathTypes map[string]map[string]bool

// freeMaps are objects whose keys are data, not schema (environment
// variables, image labels): only the object itself is compared.
var freeMaps = []string{"[].config.env", "[].image_ref.labels"}

// captureDoc is one captured response and the records DataDog edited for
// test coverage, by index: paths seen only there are optional.
type captureDoc struct {
	file   string
	edited []int
}

// captureAPI lists the captured responses by the kind of resource.
var captureAPI = map[string][]captureDoc{
	"apps list": {{file: "org_slug=test/response.json"}},
	"app": {
		{file: "example-app-1/response.json"}, {file: "example-app-2/response.json"},
		{file: "example-app-3/response.json"}, {file: "example-app-4/response.json"},
	},
	// example-app-1's second machine got a GPU guest and swap.
	"machines": {{file: "example-app-1/machines/response.json", edited: []int{1}}, {file: "example-app-3/machines/response.json"}},
	// Its second volume lost size_gb and gained blocks.
	"volumes": {{file: "example-app-1/volumes/response.json", edited: []int{1}}},
}

const captureAPIDir = "testdata/realcapture/machines-api/GET/v1/apps"

// readCaptureAPI returns, per kind, the paths of the records nobody edited.
func readCaptureAPI() (map[string]pathTypes, error) {
	out := map[string]pathTypes{}
	for kind, docs := range captureAPI {
		pt := pathTypes{}
		for _, d := range docs {
			raw, err := os.ReadFile(filepath.Join(captureAPIDir, d.file))
			if err != nil {
				return nil, err
			}
			var doc any
			if err := json.Unmarshal(raw, &doc); err != nil {
				return nil, fmt.Errorf("%s: %w", d.file, err)
			}
			if list, ok := doc.([]any); ok {
				pt.add("", "array")
				for i, rec := range list {
					if !slices.Contains(d.edited, i) {
						pt.walk("[]", rec)
					}
				}
				continue
			}
			pt.walk("", doc)
		}
		out[kind] = pt
	}
	return out, nil
}

func (pt pathTypes) add(path, typ string) {
	if pt[path] == nil {
		pt[path] = map[string]bool{}
	}
	pt[path][typ] = true
}

// walk records v at path and everything under it.
func (pt pathTypes) walk(path string, v any) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch v := v.(type) {
	case map[string]any:
		pt.add(path, "object")
		if slices.Contains(freeMaps, path) {
			return
		}
		for k, x := range v {
			pt.walk(join(k), x)
		}
	case []any:
		pt.add(path, "array")
		for _, x := range v {
			pt.walk(path+"[]", x)
		}
	case string:
		pt.add(path, "string")
	case float64:
		pt.add(path, "number")
	case bool:
		pt.add(path, "boolean")
	case nil:
		pt.add(path, "null")
	}
}

// comparePaths lists every path of Fly's that flysim never sends, and every
// path where flysim sends another JSON type. A path Fly sent only as null
// says the key is there, not its type, so any type flysim sends is fine.
func comparePaths(kind string, capture, sim pathTypes) []string {
	var diffs []string
	for _, path := range slices.Sorted(maps.Keys(capture)) {
		want := capture[path]
		got, ok := sim[path]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s: flysim never sends %s, which Fly sends as %s", kind, show(path), typeList(want)))
			continue
		}
		if len(want) == 1 && want["null"] {
			continue
		}
		var wrong []string
		for typ := range got {
			if !want[typ] {
				wrong = append(wrong, typ)
			}
		}
		if len(wrong) > 0 {
			slices.Sort(wrong)
			diffs = append(diffs, fmt.Sprintf("%s: flysim sends %s as %s, Fly as %s", kind, show(path), strings.Join(wrong, " or "), typeList(want)))
		}
	}
	return diffs
}

func show(path string) string {
	if path == "" {
		return "the document"
	}
	return path
}

func typeList(types map[string]bool) string {
	return strings.Join(slices.Sorted(maps.Keys(types)), " or ")
}
