package poller

// pager follows one paginated list endpoint from page 1 and decides when its
// last page has been read. A page shorter than the per asked for is not the
// last one: some UJET-compatible servers cap the page size (25 whatever per
// says), so the list is read on until a page comes back empty or shorter
// than the first page. A page that starts with the same id as the previous
// one (a server that ignores page) and maxPages also end it.
type pager struct {
	page     int // the page to read next, from 1
	firstLen int // length of page 1: the server's real page size
	prevID   ID  // first id of the previous page
}

func newPager() pager { return pager{page: 1} }

// repeat reports whether a page starting with first repeats the previous
// page; its records are then not new.
func (g *pager) repeat(first ID) bool {
	return g.page > 1 && first != "" && first == g.prevID
}

// done records a page of n records starting with id first and reports
// whether it was the last; otherwise page moves on to the next one.
func (g *pager) done(n int, first ID) bool {
	if n == 0 || g.repeat(first) || g.page >= maxPages {
		return true
	}
	if g.page == 1 {
		g.firstLen = n
	} else if n < g.firstLen {
		return true
	}
	g.prevID = first
	g.page++
	return false
}
