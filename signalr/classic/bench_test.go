package classic_test

import (
	"encoding/json"
	"testing"

	"github.com/wallboard/wallboard/signalr/classic"
	"github.com/wallboard/wallboard/simulator/connect"
)

// BenchmarkDelivery measures hub invocations delivered in order over each
// transport, from the simulated classic hub to OnMessage on loopback.
//
//	go test -run '^$' -bench Delivery ./signalr/classic/
func BenchmarkDelivery(b *testing.B) {
	arg := json.RawMessage(`[{"id":7,"currentStatus":{"agentStatus":"available","startTime":"2026-12-03T02:00:00Z"}}]`)
	for _, tr := range classic.DefaultTransports {
		b.Run(tr, func(b *testing.B) {
			r := newRig(b, connect.ClassicOptions{})
			// At most window messages in flight: the hub keeps a bounded
			// backlog per connection, as real ones do.
			const window = 500
			got := make(chan struct{}, window)
			o := r.options(newRecorder(), tr)
			o.OnMessage = func(classic.Message) { got <- struct{}{} }
			dial(b, o)
			credit := make(chan struct{}, window)
			for range window {
				credit <- struct{}{}
			}
			b.ResetTimer()
			go func() {
				for i := 0; i < b.N; i++ {
					<-credit
					r.srv.SendRaw("agentUpdate", arg)
				}
			}()
			for i := 0; i < b.N; i++ {
				<-got
				credit <- struct{}{}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
