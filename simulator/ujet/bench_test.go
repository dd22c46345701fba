package ujet

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wallboard/wallboard/simulator"
)

func benchmarkEndpoint(b *testing.B, path string) {
	c := simulator.New(simulator.Options{Seed: 1, Start: start, Agents: 200})
	h := NewHandler(c, Options{RateLimit: -1})
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.SetBasicAuth(DefaultSubdomain, DefaultToken)
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// Cost of one request on a 200-agent center.
func BenchmarkAgentsPage(b *testing.B) { benchmarkEndpoint(b, "/manager/api/v1/agents?per=100") }
func BenchmarkCurrentStatus(b *testing.B) {
	benchmarkEndpoint(b, "/manager/api/v1/agents/current_status")
}
func BenchmarkMenus(b *testing.B) { benchmarkEndpoint(b, "/manager/api/v1/menus?per=100") }
func BenchmarkMenuSLA(b *testing.B) {
	benchmarkEndpoint(b, "/manager/api/v1/menus/sla?channel=call&minutes=60")
}
