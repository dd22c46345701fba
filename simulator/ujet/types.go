package ujet

// JSON shapes of the Manager API, with the field names of the vendor's
// Postman examples.

type statusJSON struct {
	ID    int    `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
	WFMID int    `json:"wfm_id"`
}

type teamRefJSON struct {
	ID          int    `json:"id"`
	Name        string `json:"name"`
	ParentID    *int   `json:"parent_id"`
	Position    int    `json:"position"`
	AgentsCount int    `json:"agents_count"`
	Deleted     bool   `json:"deleted"`
}

type menuRefJSON struct {
	ID        int     `json:"id"`
	Name      string  `json:"name"`
	ParentID  *int    `json:"parent_id"`
	Position  int     `json:"position"`
	Deleted   bool    `json:"deleted"`
	MenuType  string  `json:"menu_type"`
	OutputMsg *string `json:"output_msg"`
	Hidden    bool    `json:"hidden"`
}

type channelJSON struct {
	ChannelType string      `json:"channel_type"`
	Menu        menuRefJSON `json:"menu"`
}

type agentJSON struct {
	ID               int           `json:"id"`
	Email            string        `json:"email"`
	Roles            []string      `json:"roles"`
	FirstName        string        `json:"first_name"`
	MiddleName       *string       `json:"middle_name"`
	LastName         string        `json:"last_name"`
	AvatarURL        string        `json:"avatar_url"`
	AgentNumber      *string       `json:"agent_number"`
	CRMAuthenticated bool          `json:"crm_authenticated"`
	Status           statusJSON    `json:"status"`
	Online           bool          `json:"online"`
	WrapUp           bool          `json:"wrap_up"`
	CallCount        int           `json:"call_count"`
	ChatCount        int           `json:"chat_count"`
	Location         *string       `json:"location"`
	CreatedAt        string        `json:"created_at"`
	LastLoginTime    *string       `json:"last_login_time"`
	StatusUpdatedAt  *string       `json:"status_updated_at"`
	Teams            []teamRefJSON `json:"teams"`
	Channels         []channelJSON `json:"channels"`
}

type currentStatusJSON struct {
	ID              int    `json:"id"`
	Status          string `json:"status"`
	StatusID        int    `json:"status_id"`
	StatusUpdatedAt string `json:"status_updated_at"`
	OnHold          bool   `json:"on_hold"`
	OnHoldDuration  int    `json:"on_hold_duration"`
}

type assigneeJSON struct {
	ID          int     `json:"id"`
	AgentNumber *string `json:"agent_number"`
	Name        string  `json:"name"`
	LastName    string  `json:"last_name"`
	FirstName   string  `json:"first_name"`
	AvatarURL   string  `json:"avatar_url"`
}

type teamJSON struct {
	ID          int            `json:"id"`
	Name        string         `json:"name"`
	ParentID    *int           `json:"parent_id"`
	Position    int            `json:"position"`
	AgentsCount int            `json:"agents_count"`
	Deleted     bool           `json:"deleted"`
	Assignees   []assigneeJSON `json:"assignees"`
}

type agentAssignmentJSON struct {
	Lang        string       `json:"lang"`
	QueueLevel  string       `json:"queue_level"`
	ChannelType string       `json:"channel_type"`
	Assignee    assigneeJSON `json:"assignee"`
}

type teamAssignmentJSON struct {
	Lang        string   `json:"lang"`
	QueueLevel  string   `json:"queue_level"`
	ChannelType string   `json:"channel_type"`
	Team        teamJSON `json:"team"`
}

type menuJSON struct {
	menuRefJSON
	AgentAssignments []agentAssignmentJSON `json:"agent_assignments"`
	TeamAssignments  []teamAssignmentJSON  `json:"team_assignments"`
}

type menuStatusJSON struct {
	MenuID                int    `json:"menu_id"`
	Lang                  string `json:"lang"`
	MenuPathID            int    `json:"menu_path_id"`
	MenuPath              string `json:"menu_path"`
	CommType              string `json:"comm_type"`
	InQueueCount          int    `json:"in_queue_count"`
	OldestInQueue         string `json:"oldest_in_queue"`
	OldestDurationInQueue int    `json:"oldest_duration_in_queue"`
	TotalQueueDuration    int    `json:"total_queue_duration"`
	AverageQueueDuration  int    `json:"average_queue_duration"`
}

type menuSLAJSON struct {
	MenuPathID int      `json:"menu_path_id"`
	Lang       string   `json:"lang"`
	MenuPath   string   `json:"menu_path"`
	SLA        *float64 `json:"sla"`
}

type groupSLAJSON struct {
	QueueGroupID   int      `json:"queue_group_id"`
	QueueGroupName string   `json:"queue_group_name"`
	SLA            *float64 `json:"sla"`
}

type errorJSON struct {
	Error string `json:"error"`
}
