package poller

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/wallboard/wallboard/model"
)

// Operation hours. The vendor documents menus/operation_hours ("the menu
// operation hour definitions") without an example response, so the decoder
// takes what it recognises and leaves the rest: each entry names a menu
// (menu_id, menu.id or menu_ids), optionally a lang and a channel
// (channel_type or channel), a time zone (time_zone, timezone or tz; UTC
// when absent or unknown), and either a state (open / is_open true or
// false; status or state "open", "closed" or "after_hours"), always_open,
// or a weekly schedule (hours, operation_hours, schedule, business_hours or
// days): a list of {day|weekday|day_of_week, open|start|from|start_time,
// close|end|to|end_time} with days by name or number (0 or 7 Sunday) and
// times as HH:MM, or an object from day name to such intervals (or
// "closed"). An entry the decoder cannot read says nothing: its queues count
// as open.

type interval struct {
	day        time.Weekday
	open, shut int // minutes after midnight; shut <= open: past midnight
}

type opHours struct {
	menuIDs []ID
	lang    string
	channel string
	loc     *time.Location
	state   *bool // explicit open (true) or closed (false)
	always  bool
	week    []interval
	hasWeek bool
}

var weekdays = map[string]time.Weekday{
	"sunday": time.Sunday, "sun": time.Sunday, "monday": time.Monday, "mon": time.Monday,
	"tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday, "wednesday": time.Wednesday, "wed": time.Wednesday,
	"thursday": time.Thursday, "thu": time.Thursday, "thurs": time.Thursday, "friday": time.Friday, "fri": time.Friday,
	"saturday": time.Saturday, "sat": time.Saturday,
}

func rawString(m map[string]json.RawMessage, keys ...string) string {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			var t Text
			if json.Unmarshal(v, &t) == nil && t != "" {
				return strings.TrimSpace(string(t))
			}
		}
	}
	return ""
}

func rawBool(m map[string]json.RawMessage, keys ...string) (bool, bool) {
	for _, k := range keys {
		if v, ok := m[k]; ok && string(v) != "null" {
			var f Flag
			if json.Unmarshal(v, &f) == nil {
				return bool(f), true
			}
		}
	}
	return false, false
}

func parseDay(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if d, ok := weekdays[s]; ok {
		return d, true
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 7 {
		return time.Weekday(n % 7), true
	}
	return 0, false
}

// parseClock reads "08:00", "8:00:00" or "0800" as minutes after midnight.
func parseClock(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 4 && !strings.Contains(s, ":") {
		s = s[:2] + ":" + s[2:]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

func parseInterval(m map[string]json.RawMessage, day *time.Weekday) (interval, bool) {
	d := time.Sunday
	if day != nil {
		d = *day
	} else {
		v, ok := parseDay(rawString(m, "day", "weekday", "day_of_week", "wday"))
		if !ok {
			return interval{}, false
		}
		d = v
	}
	if closed, ok := rawBool(m, "closed"); ok && closed {
		return interval{}, false
	}
	o, ok1 := parseClock(rawString(m, "open", "start", "from", "start_time", "opens_at", "open_time"))
	c, ok2 := parseClock(rawString(m, "close", "end", "to", "end_time", "closes_at", "close_time"))
	if !ok1 || !ok2 {
		return interval{}, false
	}
	return interval{day: d, open: o, shut: c}, true
}

// parseWeek reads a schedule in either of its shapes.
func parseWeek(raw json.RawMessage) ([]interval, bool) {
	var list []map[string]json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		var out []interval
		for _, e := range list {
			if iv, ok := parseInterval(e, nil); ok {
				out = append(out, iv)
			}
		}
		return out, true
	}
	var byDay map[string]json.RawMessage
	if json.Unmarshal(raw, &byDay) != nil {
		return nil, false
	}
	var out []interval
	read := false
	for k, v := range byDay {
		d, ok := parseDay(k)
		if !ok {
			continue
		}
		read = true
		var one map[string]json.RawMessage
		var many []map[string]json.RawMessage
		switch {
		case json.Unmarshal(v, &many) == nil:
		case json.Unmarshal(v, &one) == nil:
			many = []map[string]json.RawMessage{one}
		}
		for _, e := range many {
			if iv, ok := parseInterval(e, &d); ok {
				out = append(out, iv)
			}
		}
	}
	return out, read
}

// parseHours decodes menus/operation_hours; entries it cannot read are left
// out.
func parseHours(body []map[string]json.RawMessage) []opHours {
	var out []opHours
	for _, m := range body {
		var h opHours
		if id := rawString(m, "menu_id", "menuId"); id != "" {
			h.menuIDs = append(h.menuIDs, ID(canonicalNumber(id)))
		}
		if raw, ok := m["menu"]; ok {
			var ref MenuRef
			if json.Unmarshal(raw, &ref) == nil && ref.ID != "" {
				h.menuIDs = append(h.menuIDs, ref.ID)
			}
		}
		if raw, ok := m["menu_ids"]; ok {
			var ids []ID
			if json.Unmarshal(raw, &ids) == nil {
				h.menuIDs = append(h.menuIDs, ids...)
			}
		}
		if len(h.menuIDs) == 0 {
			continue
		}
		h.lang = rawString(m, "lang", "language")
		if ch := rawString(m, "channel_type", "channel", "comm_type"); ch != "" {
			h.channel = channelOf(ch)
		}
		h.loc = time.UTC
		if z := rawString(m, "time_zone", "timezone", "tz"); z != "" {
			if loc, err := time.LoadLocation(z); err == nil {
				h.loc = loc
			}
		}
		if v, ok := rawBool(m, "open", "is_open"); ok {
			h.state = &v
		} else if st := strings.ToLower(rawString(m, "status", "state")); st != "" {
			switch st {
			case "open", "opened":
				v := true
				h.state = &v
			case "closed", "after_hours", "afterhours", "close":
				v := false
				h.state = &v
			}
		}
		h.always, _ = rawBool(m, "always_open", "open_24_7", "24_7")
		for _, k := range []string{"hours", "operation_hours", "schedule", "business_hours", "days"} {
			if raw, ok := m[k]; ok {
				if week, ok := parseWeek(raw); ok {
					h.week, h.hasWeek = week, true
					break
				}
			}
		}
		if h.state == nil && !h.always && !h.hasWeek {
			continue
		}
		out = append(out, h)
	}
	return out
}

// at says whether h is open at now and, when closed, when it opens next
// (nil when unknown or not within a week).
func (h opHours) at(now time.Time) (closed bool, opens *time.Time) {
	switch {
	case h.state != nil:
		return !*h.state, nil
	case h.always:
		return false, nil
	}
	local := now.In(h.loc)
	mins := local.Hour()*60 + local.Minute()
	today := local.Weekday()
	for _, iv := range h.week {
		switch {
		case iv.shut > iv.open && iv.day == today && mins >= iv.open && mins < iv.shut:
			return false, nil
		case iv.shut <= iv.open && iv.day == today && mins >= iv.open: // open past midnight
			return false, nil
		case iv.shut <= iv.open && (iv.day+1)%7 == today && mins < iv.shut:
			return false, nil
		}
	}
	var next *time.Time
	y, mo, d := local.Date()
	for ahead := 0; ahead <= 7; ahead++ {
		day := time.Date(y, mo, d+ahead, 0, 0, 0, 0, h.loc)
		for _, iv := range h.week {
			if iv.day != day.Weekday() {
				continue
			}
			at := day.Add(time.Duration(iv.open) * time.Minute)
			if at.After(now) && (next == nil || at.Before(*next)) {
				t := at
				next = &t
			}
		}
		if next != nil {
			break
		}
	}
	return true, next
}

// applyHours marks the queues outside their operation hours: the entry of
// the queue's menu (or its nearest parent menu with one) for its language
// and channel.
func (b *board) applyHours(qs []model.Queue, now time.Time) {
	if len(b.hours) == 0 {
		return
	}
	menuOfPath := map[ID]ID{}
	for _, lq := range b.leafQueues {
		if p, ok := b.pathIDByName[lq.path]; ok {
			menuOfPath[p] = lq.menuID
		}
	}
	for m, p := range b.pathIDByMenu {
		menuOfPath[p] = m
	}
	for i := range qs {
		q := &qs[i]
		id := q.ID
		parts := strings.Split(id, ":")
		if len(parts) < 3 {
			continue
		}
		var menu ID
		if strings.HasPrefix(parts[0], "m") {
			menu = ID(strings.TrimPrefix(parts[0], "m"))
		} else {
			menu = menuOfPath[ID(parts[0])]
		}
		for depth := 0; menu != "" && depth < 32; depth++ {
			if h, ok := b.hoursFor(menu, q.Lang, q.Channel); ok {
				q.Closed, q.OpensAt = h.at(now)
				break
			}
			menu = b.menus[menu].ParentID
		}
	}
}

func (b *board) hoursFor(menu ID, lang, channel string) (opHours, bool) {
	best, found, score := opHours{}, false, -1
	for _, h := range b.hours {
		if h.lang != "" && !strings.EqualFold(h.lang, lang) || h.channel != "" && h.channel != channel {
			continue
		}
		for _, m := range h.menuIDs {
			if m != menu {
				continue
			}
			s := 0
			if h.lang != "" {
				s++
			}
			if h.channel != "" {
				s++
			}
			if s > score {
				best, found, score = h, true, s
			}
		}
	}
	return best, found
}
