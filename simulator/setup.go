package simulator

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Status ids of UJET's built-in user statuses (from the user_statuses example).
const (
	StatusAvailable   = 0
	StatusUnavailable = -1
	StatusBreak       = -2
	StatusSpecialTask = -3
	StatusMeal        = -4
	StatusMissedCall  = -5
	StatusWrapUp      = -6
	StatusInCall      = -7
	StatusInChat      = -8
	StatusOffline     = -10
	// Custom statuses defined by this simulated customer.
	StatusTraining    = 5
	StatusCoaching    = 6
	StatusTeamMeeting = 7
)

func builtinStatuses() []Status {
	return []Status{
		{ID: StatusAvailable, WFMID: 11, Name: "Available", Color: "green"},
		{ID: StatusUnavailable, WFMID: 12, Name: "Unavailable", Color: "red"},
		{ID: StatusBreak, WFMID: 29, Name: "Break", Color: "yellow"},
		{ID: StatusSpecialTask, WFMID: 30, Name: "Special Task", Color: "pink"},
		{ID: StatusMeal, WFMID: 31, Name: "Meal", Color: "brown"},
		{ID: StatusMissedCall, WFMID: 32, Name: "Missed Call", Color: "blue_grey"},
		{ID: StatusWrapUp, WFMID: 33, Name: "Wrap-up", Color: "purple"},
		{ID: StatusInCall, WFMID: 34, Name: "In-call", Color: "light_blue"},
		{ID: StatusInChat, WFMID: 35, Name: "In-chat", Color: "indigo"},
		{ID: StatusOffline, WFMID: 36, Name: "Offline", Color: "grey"},
		{ID: StatusTraining, WFMID: 45, Name: "Training", Color: "teal"},
		{ID: StatusCoaching, WFMID: 46, Name: "Coaching", Color: "orange"},
		{ID: StatusTeamMeeting, WFMID: 47, Name: "Team Meeting", Color: "deep_purple"},
	}
}

// Team ids.
const (
	TeamBilling   = 31
	TeamTechnical = 32
	TeamSales     = 33
	TeamSpanish   = 34
)

func builtinTeams() []Team {
	return []Team{
		{ID: TeamBilling, Name: "Billing"},
		{ID: TeamTechnical, Name: "Technical Support"},
		{ID: TeamSales, Name: "Sales & Orders"},
		{ID: TeamSpanish, Name: "Español"},
	}
}

// queueSpec describes a leaf menu's queues and traffic.
type queueSpec struct {
	lang, channel string
	teams         []int
	perMinute     float64 // base arrival rate in simulated contacts per minute
}

type menuSpec struct {
	id, parent, pathID, position int
	name, menuType               string
	queues                       []queueSpec
}

// Menu ids of the two trees and their leaves.
const (
	MenuSupport     = 2001 // IVR tree root
	MenuBilling     = 2002
	MenuTechnical   = 2003
	MenuOrders      = 2004
	MenuWebHelp     = 2010 // web tree root
	MenuWebBilling  = 2011
	MenuWebTech     = 2012
	MenuWebSales    = 2013
	PathBilling     = 501
	PathTechnical   = 502
	PathOrders      = 503
	PathWebBilling  = 511
	PathWebTech     = 512
	PathWebSales    = 513
	firstAgentID    = 101
	specialAgentIdx = 6 // the agent whose name needs HTML escaping
)

func menuSpecs() []menuSpec {
	return []menuSpec{
		{id: MenuSupport, name: "Support", menuType: "ivr_menu"},
		{id: MenuBilling, parent: MenuSupport, pathID: PathBilling, position: 0, name: "Billing", menuType: "ivr_menu", queues: []queueSpec{
			{"en", "call", []int{TeamBilling}, 1.69},
			{"es", "call", []int{TeamSpanish}, 0.59},
		}},
		{id: MenuTechnical, parent: MenuSupport, pathID: PathTechnical, position: 1, name: "Technical Support", menuType: "ivr_menu", queues: []queueSpec{
			{"en", "call", []int{TeamTechnical}, 1.56},
		}},
		{id: MenuOrders, parent: MenuSupport, pathID: PathOrders, position: 2, name: "Orders", menuType: "ivr_menu", queues: []queueSpec{
			{"en", "call", []int{TeamSales}, 1.17},
			{"es", "call", []int{TeamSpanish}, 0.39},
		}},
		{id: MenuWebHelp, position: 1, name: "Web Help", menuType: "web_menu"},
		{id: MenuWebBilling, parent: MenuWebHelp, pathID: PathWebBilling, position: 0, name: "Billing", menuType: "web_menu", queues: []queueSpec{
			{"en", "chat", []int{TeamBilling}, 0.78},
		}},
		{id: MenuWebTech, parent: MenuWebHelp, pathID: PathWebTech, position: 1, name: "Technical Support", menuType: "web_menu", queues: []queueSpec{
			{"en", "chat", []int{TeamTechnical}, 0.91},
			{"es", "chat", []int{TeamSpanish}, 0.33},
		}},
		{id: MenuWebSales, parent: MenuWebHelp, pathID: PathWebSales, position: 2, name: "Sales", menuType: "web_menu", queues: []queueSpec{
			{"en", "call", []int{TeamSales}, 0.45},
			{"en", "chat", []int{TeamSales}, 0.65},
		}},
	}
}

func firstNames() []string {
	return []string{
		"Olivia", "Liam", "Emma", "Noah", "Ava", "James", "Sophia", "Lucas", "Mia", "Mateo",
		"Isabella", "Ethan", "Amelia", "Daniel", "Harper", "Samuel", "Evelyn", "David", "Aisha", "Omar",
		"Priya", "Arjun", "Mei", "Hiroshi", "Fatima", "Carlos", "Lucía", "Diego", "Sofía", "Javier",
		"Grace", "Henry", "Chloe", "Owen", "Nora", "Caleb", "Hannah", "Isaac", "Leah", "Gabriel",
		"Zara", "Kwame", "Ingrid", "Tomás", "Siobhan", "Rahul", "Yuki", "Elena", "Marco", "Ana",
	}
}

func lastNames() []string {
	return []string{
		"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
		"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
		"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
		"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
		"Patel", "Kim", "Chen", "Okafor", "Novak", "Kowalski", "Murphy", "Haddad", "Tanaka", "Silva",
	}
}

// drawNames draws first and last names without replacement, so names are
// unique.
func drawNames(r *rand.Rand, n int) [][2]string {
	firsts, lasts := firstNames(), lastNames()
	fi := r.Perm(len(firsts))
	li := r.Perm(len(lasts))
	out := make([][2]string, n)
	for i := range n {
		f := firsts[fi[i%len(fi)]]
		l := lasts[li[i%len(li)]]
		if k := i / len(fi); k > 0 {
			// Double-barrelled names keep names unique past the lists'
			// length (up to len(firsts)*len(lasts) agents).
			l = l + "-" + lasts[li[(i%len(li)+7*k)%len(li)]]
		}
		out[i] = [2]string{f, l}
	}
	return out
}

func emailFor(first, last string, id int) string {
	clean := func(s string) string {
		var b strings.Builder
		for _, r := range strings.ToLower(s) {
			if r >= 'a' && r <= 'z' {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	return fmt.Sprintf("%s.%s.%d@example.com", clean(first), clean(last), id)
}

// teamsFor spreads agents across the four teams; a few Spanish speakers also
// belong to an English team.
func teamsFor(i int) []int {
	switch {
	case i%10 < 3:
		return []int{TeamBilling}
	case i%10 < 6:
		return []int{TeamTechnical}
	case i%10 < 8:
		return []int{TeamSales}
	case i%10 == 8:
		if i%20 == 8 {
			return []int{TeamSpanish, TeamBilling}
		}
		return []int{TeamSpanish}
	default:
		if i%20 == 9 {
			return []int{TeamSpanish, TeamSales}
		}
		return []int{TeamSpanish}
	}
}

func createdAt(start time.Time, i int) time.Time {
	return start.Add(-time.Duration(30+i*11) * 24 * time.Hour).Truncate(time.Second)
}
