package simulator

// PutOnHold forces an agent into a call (unless already in one) and puts
// that call on hold now, as a test hook. The hold ends as the model would.
func (c *Center) PutOnHold(agentID int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, err := c.agentByID(agentID)
	if err != nil {
		return err
	}
	if a.StatusID != StatusInCall {
		c.force(a, StatusInCall)
	}
	c.holdStart(a)
	c.notify()
	return nil
}
