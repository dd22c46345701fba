package present

import (
	"strings"

	"github.com/wallboard/wallboard/model"
	"github.com/wallboard/wallboard/views"
)

// Messages are the floor messages a Board shows: those for its board, and
// the audit log (for the supervisor view). Set them with WithMessages.
type Messages struct {
	URL    string // where the supervisor view posts; "" when the server keeps none
	Active []model.Message
	Log    []model.MessageLogEntry
}

// WithMessages sets the floor messages of p, keeping those for its board,
// and returns p. Call it right after New, before p is shared.
func (p *Board) WithMessages(m Messages) *Board {
	p.msgURL = m.URL
	p.msgs = p.msgs[:0]
	for _, msg := range m.Active {
		if msg.Active(p.Now) && msg.For(p.Def.ID) {
			p.msgs = append(p.msgs, FloorMessage(msg))
		}
	}
	p.msgLog = p.msgLog[:0]
	for _, e := range m.Log {
		p.msgLog = append(p.msgLog, views.MessageLogLine{Action: e.Action, By: e.By, At: e.At.UnixMilli(), Message: FloorMessage(e.Message)})
	}
	return p
}

// FloorMessage is m as the views show it.
func FloorMessage(m model.Message) views.FloorMessage {
	on := "all boards"
	if len(m.Boards) > 0 {
		on = strings.Join(m.Boards, ", ")
	}
	return views.FloorMessage{
		ID: m.ID, Text: m.Text, Level: m.Level, Author: m.Author, Boards: on,
		Posted: m.Posted.UnixMilli(), Expires: m.Expires.UnixMilli(),
	}
}
