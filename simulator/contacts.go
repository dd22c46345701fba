package simulator

import (
	"fmt"
	"time"
)

// Contact is one call or chat as UJET's calls and chats lists show it: from
// arrival through the queue to an agent (or abandoned) and finished. Times
// are wall-clock times (zero when the contact has not reached that point);
// durations are whole wall seconds.
//
// Calls go queued → connected → finished, or queued → failed with fail
// reason eu_abandoned when the caller hangs up waiting. Chats go queued →
// assigned → finished, or queued → canceled. Every IVRHangUpEvery-th call
// arrival also leaves a call that hung up in the IVR menu (failed,
// eu_in_menu_abandoned, never queued): not an abandoned queue call.
type Contact struct {
	ID          int
	Channel     string // "call", "chat"
	MenuID      int
	MenuPathID  int
	Path        string
	Lang        string
	Status      string
	FailReason  string // "nothing" unless failed
	CreatedAt   time.Time
	QueuedAt    time.Time
	AssignedAt  time.Time
	ConnectedAt time.Time // calls only
	EndsAt      time.Time
	UpdatedAt   time.Time
	AgentID     int
	QueueSecs   int // waited in the queue
	TalkSecs    int // connected (calls) or assigned (chats) until finished
	HoldSecs    int
	ACWSecs     int // wrap-up after the contact
}

// IVRHangUpEvery is how often (in call arrivals) a caller also hangs up in
// the IVR menu before reaching a queue.
const IVRHangUpEvery = 15

// ContactRetention is how long (wall time) the center keeps contacts after
// their last update.
const ContactRetention = 48 * time.Hour

// Answered reports whether an agent took the contact, and when.
func (ct Contact) Answered() (time.Time, bool) {
	if ct.Channel == "call" {
		return ct.ConnectedAt, !ct.ConnectedAt.IsZero()
	}
	return ct.AssignedAt, !ct.AssignedAt.IsZero()
}

// Abandoned reports whether the customer left the queue before an agent took
// the contact, and when.
func (ct Contact) Abandoned() (time.Time, bool) {
	ab := (ct.Status == "failed" && ct.FailReason == "eu_abandoned") || ct.Status == "canceled"
	return ct.EndsAt, ab && !ct.QueuedAt.IsZero()
}

// DayCount is what a queue handled and lost since a moment.
type DayCount struct {
	Handled   int
	Abandoned int
	// HandleSecs sums talk and wrap-up of the Finished contacts among
	// Handled; QueueSecs the queue time of Handled.
	HandleSecs, QueueSecs, Finished int
}

// DayCounts returns, per queue ("menuPathID:lang:channel", as the
// wallboard's queue ids), the contacts answered since from and the contacts
// abandoned in the queue since from.
func (t Truth) DayCounts(from time.Time) map[string]DayCount {
	out := map[string]DayCount{}
	for _, ct := range t.Contacts {
		key := fmt.Sprintf("%d:%s:%s", ct.MenuPathID, ct.Lang, ct.Channel)
		if at, ok := ct.Answered(); ok && !at.Before(from) {
			d := out[key]
			d.Handled++
			d.QueueSecs += ct.QueueSecs
			if ct.Status == "finished" {
				d.Finished++
				d.HandleSecs += ct.TalkSecs + ct.ACWSecs
			}
			out[key] = d
		}
		if at, ok := ct.Abandoned(); ok && !at.Before(from) {
			d := out[key]
			d.Abandoned++
			out[key] = d
		}
	}
	return out
}

func wholeSecs(d time.Duration) int { return int(d / time.Second) }

// newContact records a contact arriving in queue qi now. Callers hold c.mu.
func (c *Center) newContact(id int, q *queue) *Contact {
	ct := &Contact{
		ID: id, Channel: q.Channel, MenuID: q.MenuID, MenuPathID: q.MenuPathID, Path: q.Path, Lang: q.Lang,
		Status: "queued", FailReason: "nothing", CreatedAt: c.now, QueuedAt: c.now, UpdatedAt: c.now,
	}
	c.contacts = append(c.contacts, ct)
	return ct
}

// ivrHangUp records a caller who hung up in the IVR menu of q.
func (c *Center) ivrHangUp(q *queue) {
	c.nextContact++
	c.contacts = append(c.contacts, &Contact{
		ID: c.nextContact, Channel: "call", MenuID: q.MenuID, MenuPathID: q.MenuPathID, Path: q.Path, Lang: q.Lang,
		Status: "failed", FailReason: "eu_in_menu_abandoned", CreatedAt: c.now, EndsAt: c.now, UpdatedAt: c.now,
	})
}

func (c *Center) contactAbandoned(ct *Contact) {
	if ct.Channel == "call" {
		ct.Status, ct.FailReason = "failed", "eu_abandoned"
	} else {
		ct.Status = "canceled"
	}
	ct.EndsAt, ct.UpdatedAt = c.now, c.now
	ct.QueueSecs = wholeSecs(c.now.Sub(ct.QueuedAt))
}

func (c *Center) contactAnswered(ct *Contact, agentID int) {
	ct.AssignedAt, ct.UpdatedAt, ct.AgentID = c.now, c.now, agentID
	ct.QueueSecs = wholeSecs(c.now.Sub(ct.QueuedAt))
	if ct.Channel == "call" {
		ct.Status, ct.ConnectedAt = "connected", c.now
	} else {
		ct.Status = "assigned"
	}
}

func (c *Center) contactFinished(ct *Contact, wrap time.Duration) {
	at, _ := ct.Answered()
	ct.Status, ct.EndsAt, ct.UpdatedAt = "finished", c.now, c.now
	ct.TalkSecs = wholeSecs(c.now.Sub(at))
	ct.ACWSecs = wholeSecs(wrap)
}

// pruneContacts drops contacts not updated for ContactRetention.
func (c *Center) pruneContacts() {
	cut := c.now.Add(-ContactRetention)
	n := 0
	for n < len(c.contacts) && c.contacts[n].UpdatedAt.Before(cut) && c.contacts[n].Status != "queued" &&
		c.contacts[n].Status != "connected" && c.contacts[n].Status != "assigned" {
		n++
	}
	if n > 0 {
		c.contacts = append(c.contacts[:0], c.contacts[n:]...)
	}
}
