// Package present turns a board's snapshot into what its screens show: the
// view models of the TV wall, the supervisor view and the embeddable tiles.
//
// A Board is built once per board change (New): it applies the board's name
// mode, evaluates the thresholds and sums the totals once, and the wall,
// the supervisor view and every embed read from it. The server renders each
// view model with package views and sends the same bytes to every screen.
//
// # Tiles
//
// Every tile a board can show is one entry of the registry in tiles.go:
// its kind (config.Tile), label, the wall's element id, the feed its figure
// comes from, the embed kind and, for a figure tile, a function that makes
// its value from the Board. To add a tile:
//
//  1. add its name to config (config.Tile and config.Tiles), with its
//     threshold check in boards.Evaluate if it has levels;
//  2. add one entry to registry in tiles.go: Kind, Label, WallID, Feed,
//     Embed and Figure (figure tiles), or Body (a big tile of the wall's
//     body, like the queue table) with its rows built in wall.go and
//     embed.go;
//  3. a figure tile needs no template: the wall, supervisor and embed
//     templates show every figure the same way. A new kind of body tile
//     needs its template in views (wall.templ's body switch, an embed kind
//     in embed.templ).
//
// Formatting lives here once: Percent, views.Duration for waits, DOMKey
// for stable element ids.
package present
