package ujet

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wallboard/wallboard/simulator"
)

// menus/operation_hours. The vendor documents the endpoint ("the menu
// operation hour definitions") without a response; the simulator serves
// one entry per menu with hours of its own (menus below it share them):
//
//	{"id": 1, "menu_id": 2013, "lang": null, "channel_type": null,
//	 "time_zone": "UTC", "hours": [{"day": "monday", "open": "08:00", "close": "18:00"}, …]}
//
// A menu without an entry, nor a parent with one, is always open.

type hoursIntervalJSON struct {
	Day   string `json:"day"`
	Open  string `json:"open"`
	Close string `json:"close"`
}

type operationHoursJSON struct {
	ID          int                 `json:"id"`
	MenuID      int                 `json:"menu_id"`
	Lang        *string             `json:"lang"`
	ChannelType *string             `json:"channel_type"`
	TimeZone    string              `json:"time_zone"`
	Hours       []hoursIntervalJSON `json:"hours"`
}

func hhmm(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

func operationHours(t simulator.Truth) []operationHoursJSON {
	ids := make([]int, 0, len(t.Hours))
	for id := range t.Hours {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := []operationHoursJSON{}
	for i, id := range ids {
		h := t.Hours[id]
		zone := h.Zone
		if zone == "" {
			zone = "UTC"
		}
		j := operationHoursJSON{ID: i + 1, MenuID: id, TimeZone: zone, Hours: []hoursIntervalJSON{}}
		for _, d := range h.Days {
			j.Hours = append(j.Hours, hoursIntervalJSON{Day: strings.ToLower(d.String()), Open: hhmm(h.Open), Close: hhmm(h.Close)})
		}
		out = append(out, j)
	}
	return out
}
