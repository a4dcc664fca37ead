package promql

import "strconv"

// MaxAppNameLen keeps a name usable as the DNS label <app>.fly.dev.
const MaxAppNameLen = 63

// ValidAppName reports whether name can be a Fly app name. It is exactly as
// strict as flyctl's validateAppName (only lowercase ASCII letters, digits
// and dashes) plus the two limits flyctl leaves implicit: not empty, and at
// most 63 bytes. It deliberately does not reject leading or trailing dashes:
// flyctl accepts them, and a dashboard that refused a name Fly accepted could
// never show that app.
//
// The check is also what makes the name safe inside PromQL: none of these
// characters can end a string literal or start an escape.
func ValidAppName(name string) bool {
	if name == "" || len(name) > MaxAppNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// quoteLabelValue renders a validated value as a PromQL string literal. For
// the characters ValidAppName allows, Go's and PromQL's double-quoted syntax
// agree byte for byte; strconv.Quote keeps it correct should the rules ever
// widen.
func quoteLabelValue(v string) string {
	return strconv.Quote(v)
}
