package fakearc

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

func TestCBORRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 4, 10, 0, 0, 123_000_000, time.UTC)
	tests := []struct {
		name string
		in   any
		want any // after encode, decode and fromCBOR
	}{
		{"string", "é", "é"},
		{"zero", 0, int64(0)},
		{"negative", int32(-100), int64(-100)},
		{"min int64", int64(math.MinInt64), int64(math.MinInt64)},
		{"max uint64", uint64(math.MaxUint64), uint64(math.MaxUint64)},
		{"float", 1.5, 1.5},
		{"bool", true, true},
		{"nil", nil, nil},
		{"bytes", []byte{0, 1}, []byte{0, 1}},
		{"time with milliseconds", at, at},
		{"string list", []string{"a", "b"}, []any{"a", "b"}},
		{"nested map", map[string]any{"k": map[string]string{"x": "y"}}, map[string]any{"k": map[string]any{"x": "y"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := toCBOR(tt.in)
			if err != nil {
				t.Fatalf("toCBOR: %v", err)
			}
			dv, err := cbor.Decode(cbor.Encode(v))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got := fromCBOR(dv)
			if gt, ok := got.(time.Time); ok {
				if !gt.Equal(tt.want.(time.Time)) {
					t.Errorf("got %v, want %v", gt, tt.want)
				}
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestToCBORRejects(t *testing.T) {
	for name, in := range map[string]any{
		"int-keyed map": map[int]string{1: "a"},
		"struct":        struct{}{},
		"nested chan":   []any{make(chan int)},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := toCBOR(in); err == nil {
				t.Errorf("got nil error for %T, want one", in)
			}
		})
	}
}

func TestRegionFromAuth(t *testing.T) {
	tests := []struct{ header, want string }{
		{"AWS4-HMAC-SHA256 Credential=AKID/20261204/us-west-2/arc-region-switch/aws4_request, SignedHeaders=host, Signature=ab", "us-west-2"},
		{"AWS4-HMAC-SHA256 Credential=AKID/20261204/eu-central-1/arc-region-switch/aws4_request,SignedHeaders=host", "eu-central-1"},
		{"", ""},
		{"Bearer token", ""},
		{"AWS4-HMAC-SHA256 Credential=AKID/20261204//arc-region-switch/aws4_request", ""},
		{"AWS4-HMAC-SHA256 Credential=AKID/20261204/us-west-2/arc-region-switch/other", ""},
		{"AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f", ""},
	}
	for _, tt := range tests {
		if got := regionFromAuth(tt.header); got != tt.want {
			t.Errorf("regionFromAuth(%q): got %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestPage(t *testing.T) {
	items := []int{1, 2, 3, 4, 5}
	tests := []struct {
		name     string
		in       map[string]any
		want     []int
		wantNext string
		wantErr  bool
	}{
		{"all", map[string]any{}, items, "", false},
		{"first page", map[string]any{"maxResults": int64(2)}, []int{1, 2}, "2", false},
		{"middle page", map[string]any{"maxResults": int64(2), "nextToken": "2"}, []int{3, 4}, "4", false},
		{"last page", map[string]any{"maxResults": int64(2), "nextToken": "4"}, []int{5}, "", false},
		{"garbage token", map[string]any{"nextToken": "../../etc"}, nil, "", true},
		{"token past end", map[string]any{"nextToken": "6"}, nil, "", true},
		{"negative token", map[string]any{"nextToken": "-1"}, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, err := page(items, tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error: got %v, want error %v", err, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) || next != tt.wantNext {
				t.Errorf("got %v next %q, want %v next %q", got, next, tt.want, tt.wantNext)
			}
		})
	}
}
