package simulator

import (
	"time"
)

// Hours are the operation hours of a menu tree (set on its root menu, or on
// any menu for that menu and the menus below it): open from Open to Close
// (minutes after midnight in Zone) on the days listed, closed otherwise.
type Hours struct {
	Zone        string // IANA name; "" is UTC
	Open, Close int    // minutes after midnight; Close <= Open never opens
	Days        []time.Weekday
}

// DemoHours are operation hours the demo sets so that a queue closes now
// and then: Web Help/Sales is open 08:00 to 18:00 UTC, Monday to Friday.
// A new Center is always open.
func DemoHours() (menuID int, h Hours) {
	return MenuWebSales, Hours{Open: 8 * 60, Close: 18 * 60,
		Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}}
}

func (h Hours) loc() *time.Location {
	if h.Zone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(h.Zone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// OpenAt reports whether h is open at t.
func (h Hours) OpenAt(t time.Time) bool {
	l := t.In(h.loc())
	m := l.Hour()*60 + l.Minute()
	for _, d := range h.Days {
		if d == l.Weekday() && m >= h.Open && m < h.Close {
			return true
		}
	}
	return false
}

// NextOpen is the first opening after t within a week, and false when none.
func (h Hours) NextOpen(t time.Time) (time.Time, bool) {
	l := t.In(h.loc())
	y, mo, d := l.Date()
	for ahead := 0; ahead <= 7; ahead++ {
		day := time.Date(y, mo, d+ahead, 0, 0, 0, 0, h.loc())
		for _, wd := range h.Days {
			if wd == day.Weekday() && h.Close > h.Open {
				if at := day.Add(time.Duration(h.Open) * time.Minute); at.After(t) {
					return at, true
				}
			}
		}
	}
	return time.Time{}, false
}

// hoursOf returns the hours that apply to menu id: its own or its nearest
// parent's. Callers hold c.mu or work on a Truth.
func hoursOf(hours map[int]Hours, menus []Menu, id int) (Hours, bool) {
	for depth := 0; id != 0 && depth < 32; depth++ {
		if h, ok := hours[id]; ok {
			return h, true
		}
		parent := 0
		for _, m := range menus {
			if m.ID == id {
				parent = m.ParentID
			}
		}
		id = parent
	}
	return Hours{}, false
}

// QueueOpen reports whether the queues of menu id take contacts at t.
func (t Truth) QueueOpen(menuID int, at time.Time) bool {
	h, ok := hoursOf(t.Hours, t.Menus, menuID)
	return !ok || h.OpenAt(at)
}

// SetHours sets the operation hours of menu id (and the menus below it
// without their own); nil makes it always open.
func (c *Center) SetHours(menuID int, h *Hours) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h == nil {
		delete(c.hours, menuID)
	} else {
		c.hours[menuID] = *h
	}
	c.changed = true
	c.notify()
}
