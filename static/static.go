// Package static holds the browser assets (CSS, JavaScript, vendored htmx)
// embedded in the binary.
package static

import (
	"embed"
	"io/fs"
)

//go:embed *.css *.js licenses
var files embed.FS

// FS returns the embedded assets.
func FS() fs.FS { return files }
