package daemon

import (
	"reflect"
	"testing"
	"time"
)

// Every field of Params, set alone, makes the params worth storing: a hand-kept list of
// fields once missed Text, Subject, File and others, and the outbox row kept "{}" for them.
func TestParamsZeroSeesEveryField(t *testing.T) {
	if !(Params{}).zero() {
		t.Fatal("empty params are not zero")
	}
	typ := reflect.TypeFor[Params]()
	for i := range typ.NumField() {
		var p Params
		f := reflect.ValueOf(&p).Elem().Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x")
		case reflect.Int:
			f.SetInt(1)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		case reflect.Struct:
			f.Set(reflect.ValueOf(time.Date(2012, 2, 6, 9, 0, 0, 0, time.UTC)))
		default:
			t.Fatalf("field %s: kind %s not covered by this test", typ.Field(i).Name, f.Kind())
		}
		if p.zero() {
			t.Errorf("params with only %s set count as zero and would be stored as {}", typ.Field(i).Name)
		}
	}
}
