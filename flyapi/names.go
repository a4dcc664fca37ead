package flyapi

import "regexp"

// Fly app names are one DNS label shared by all of Fly.io: lowercase
// letters, digits and dashes (flyctl's validateAppName), at most 63 long.
var appNameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// AppNameRule says the rule in words, for forms and error pages.
const AppNameRule = "lowercase letters, digits and dashes, at most 63 characters, starting and ending with a letter or digit"

// ValidAppName reports whether name follows Fly's app name rules.
func ValidAppName(name string) bool { return appNameRE.MatchString(name) }
