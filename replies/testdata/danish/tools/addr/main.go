// Command addr prints, for municipality codes of the example campaign, what a reply to the
// invitation needs in its headers: the director's address, the tokened reply address and the
// invitation's Message-ID, made with the test secret as the daemon would make them. It is the
// only piece of rsvpd the writers of the Danish test set used.
//
//	go run ./replies/testdata/danish/tools/addr 101 461
package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/rsvpd/rsvpd/campaign"
)

const (
	testSecret   = "rsvpd-test-secret"
	campaignAddr = "dialogmoeder@kombit.test"
)

func main() {
	_, self, _, _ := runtime.Caller(0)
	csvPath := filepath.Join(filepath.Dir(self), "../../../../../municipalities-2012.csv")
	f, err := os.Open(csvPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "addr:", err)
		os.Exit(1)
	}
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		fmt.Fprintln(os.Stderr, "addr:", err)
		os.Exit(1)
	}
	byCode := map[string][]string{}
	for _, r := range rows[1:] {
		byCode[r[0]] = r
	}
	s := campaign.NewSigner([]byte(testSecret), "kombit.test")
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, code := range os.Args[1:] {
		r, ok := byCode[code]
		if !ok {
			fmt.Fprintf(os.Stderr, "addr: no municipality with code %q\n", code)
			os.Exit(1)
		}
		enc.Encode(map[string]string{
			"code":                  code,
			"name":                  r[1],
			"director_email":        r[len(r)-1],
			"reply_address":         s.ReplyAddress(campaignAddr, code),
			"invitation_message_id": "<" + s.MessageID("invitation/"+code, code) + ">",
		})
	}
}
