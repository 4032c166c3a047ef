package fakearc

import (
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// writeOutput answers 200 with out encoded as a CBOR map.
func (s *Server) writeOutput(w http.ResponseWriter, out map[string]any) {
	if out == nil {
		out = map[string]any{}
	}
	v, err := toCBOR(out)
	if err != nil {
		s.writeError(w, &Error{Type: "InternalServerException", Message: "fakearc: encode output: " + err.Error()})
		return
	}
	s.writeCBOR(w, http.StatusOK, v)
}

// writeError answers e as an RPC v2 CBOR error: a map with __type and message.
func (s *Server) writeError(w http.ResponseWriter, e *Error) {
	s.writeCBOR(w, e.status(), cbor.Map{
		"__type":  cbor.String(e.wireType()),
		"message": cbor.String(e.Message),
	})
}

func (s *Server) writeCBOR(w http.ResponseWriter, status int, v cbor.Value) {
	s.mu.Lock()
	s.reqSeq++
	id := fmt.Sprintf("fakearc-%06d", s.reqSeq)
	s.mu.Unlock()
	body := cbor.Encode(v)
	h := w.Header()
	h.Set("smithy-protocol", "rpc-v2-cbor")
	h.Set("Content-Type", "application/cbor")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("x-amzn-requestid", id)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// regionFromAuth returns the Region of a SigV4 Authorization header's
// credential scope (Credential=AKID/date/region/service/aws4_request), or "".
func regionFromAuth(h string) string {
	_, rest, ok := strings.Cut(h, "Credential=")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, ", "); i >= 0 {
		rest = rest[:i]
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 5 || parts[2] == "" || parts[4] != "aws4_request" {
		return ""
	}
	return parts[2]
}

// decodeInput decodes a request body; an empty body is an empty input.
func decodeInput(body []byte) (map[string]any, error) {
	if len(body) == 0 {
		return map[string]any{}, nil
	}
	v, err := cbor.Decode(body)
	if err != nil {
		return nil, fmt.Errorf("decode CBOR request: %w", err)
	}
	m, ok := fromCBOR(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("request body is a CBOR %T, want a map", v)
	}
	return m, nil
}

// fromCBOR converts a decoded CBOR value to plain Go values (see Call.Input).
func fromCBOR(v cbor.Value) any {
	switch v := v.(type) {
	case cbor.Uint:
		if v > math.MaxInt64 {
			return uint64(v)
		}
		return int64(v)
	case cbor.NegInt:
		if v == 0 || v > 1<<63 {
			return v // outside int64: keep the CBOR value
		}
		return -int64(v-1) - 1
	case cbor.Slice:
		return []byte(v)
	case cbor.String:
		return string(v)
	case cbor.List:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = fromCBOR(e)
		}
		return out
	case cbor.Map:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = fromCBOR(e)
		}
		return out
	case *cbor.Tag:
		if t, err := cbor.AsTime(v); err == nil {
			return t
		}
		return v
	case cbor.Bool:
		return bool(v)
	case *cbor.Nil, *cbor.Undefined:
		return nil
	case cbor.Float32:
		return float64(v)
	case cbor.Float64:
		return float64(v)
	}
	return v
}

// toCBOR converts plain Go values to CBOR (see Server.Handle).
func toCBOR(v any) (cbor.Value, error) {
	switch v := v.(type) {
	case nil:
		return &cbor.Nil{}, nil
	case cbor.Value:
		return v, nil
	case string:
		return cbor.String(v), nil
	case bool:
		return cbor.Bool(v), nil
	case time.Time:
		return timestamp(v), nil
	case []byte:
		return cbor.Slice(v), nil
	case float32:
		return cbor.Float32(v), nil
	case float64:
		return cbor.Float64(v), nil
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return integer(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return cbor.Uint(rv.Uint()), nil
	case reflect.String:
		return cbor.String(rv.String()), nil // string-based enums
	case reflect.Slice, reflect.Array:
		out := make(cbor.List, rv.Len())
		for i := range out {
			e, err := toCBOR(rv.Index(i).Interface())
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = e
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map key type %s, want string", rv.Type().Key())
		}
		out := make(cbor.Map, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			e, err := toCBOR(it.Value().Interface())
			if err != nil {
				return nil, fmt.Errorf("%s: %w", it.Key().String(), err)
			}
			out[it.Key().String()] = e
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported type %T", v)
}

// integer encodes n as a CBOR uint or negative int (NegInt(k) means -k).
func integer(n int64) cbor.Value {
	if n >= 0 {
		return cbor.Uint(n)
	}
	return cbor.NegInt(uint64(-(n + 1)) + 1)
}

// timestamp encodes t as CBOR tag 1 (epoch seconds): an integer for whole
// seconds, else a float64 with millisecond precision that the SDK decodes
// back to the same millisecond.
func timestamp(t time.Time) cbor.Value {
	if t.Nanosecond() == 0 {
		return &cbor.Tag{ID: 1, Value: integer(t.Unix())}
	}
	ms := t.UnixMilli()
	f := float64(ms) / 1e3
	if int64(f*1e3) < ms { // the SDK truncates f*1e3: never round below ms
		f = math.Nextafter(f, math.Inf(1))
	}
	return &cbor.Tag{ID: 1, Value: cbor.Float64(f)}
}

// Input accessors. Missing or mistyped members read as zero values.

func str(in map[string]any, key string) string {
	s, _ := in[key].(string)
	return s
}

func intArg(in map[string]any, key string) (int, bool) {
	switch n := in[key].(type) {
	case int64:
		return int(n), true
	case uint64:
		return math.MaxInt, true
	}
	return 0, false
}

// required returns an IllegalArgumentException naming the first of keys
// whose string value in in is empty.
func required(in map[string]any, keys ...string) *Error {
	for _, k := range keys {
		if str(in, k) == "" {
			return errIllegalArgument("%s is required", k)
		}
	}
	return nil
}

// page returns the slice of items selected by in's nextToken (an offset) and
// maxResults, and the next token ("" on the last page).
func page[T any](items []T, in map[string]any) ([]T, string, *Error) {
	start := 0
	if tok := str(in, "nextToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", errIllegalArgument("invalid nextToken %q", tok)
		}
		start = n
	}
	end := len(items)
	if m, ok := intArg(in, "maxResults"); ok && m > 0 && start+m < end {
		end = start + m
	}
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}
