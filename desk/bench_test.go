package desk

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkPages is the cost of each desk page on the example campaign with answers.
func BenchmarkPages(b *testing.B) {
	f := newFixture(b)
	f.populate(b)
	c := f.signIn(b)
	for _, p := range []string{"/", "/invitees", "/invitees?q=%C3%85rhus", "/invitees?state=attending&sort=activity", "/invitees/615", "/reviews", "/lists/vejle"} {
		b.Run(p, func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", f.srv.URL+p, nil)
				res, err := c.hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: %d, want 200: the figure would be an error page's", p, res.StatusCode)
				}
			}
		})
	}
}
