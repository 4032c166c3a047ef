package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/smithy-go"
)

// Describe splits an AWS error into what a user is shown: the error code (for
// example AccessDeniedException) and AWS's message. Errors without a response
// get a descriptive code of their own: Timeout, NetworkError,
// CredentialsError, RegionsUnavailable (no Region answered a read-only call:
// the message says what each one did). For a *StartError the code is the
// last attempt's, and the message says where it was tried and whether
// anything may have started. Nothing secret is in either.
func Describe(err error) (code, message string) {
	var se *StartError
	if errors.As(err, &se) && len(se.Attempts) > 0 {
		return describeStart(se)
	}
	var ue *UnavailableError
	if errors.As(err, &ue) {
		parts := make([]string, len(ue.Attempts))
		for i, a := range ue.Attempts {
			c, m := Describe(a.Err)
			parts[i] = fmt.Sprintf("%s: %s %s", a.Region, c, m)
		}
		if len(parts) == 0 {
			return "RegionsUnavailable", "no AWS Region to ask (AWS_REGION is not set)"
		}
		return "RegionsUnavailable", "no AWS Region answered (" + strings.Join(parts, "; ") + ")"
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		msg := apiErr.ErrorMessage()
		if msg == "" {
			msg = "(AWS sent no message)"
		}
		code := apiErr.ErrorCode()
		if i := strings.LastIndexByte(code, '#'); i >= 0 {
			code = code[i+1:] // an unmodeled error keeps its namespace
		}
		return code, msg
	}
	var pnf *PlanNotFoundError
	if errors.As(err, &pnf) {
		return "ResourceNotFoundException", pnf.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "Timeout", "AWS did not answer in time"
	}
	var ce *CredentialsError
	if errors.As(err, &ce) {
		return "CredentialsError", "could not assume the plan's IAM role"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return "NetworkError", "could not reach the ARC Region switch endpoint"
	}
	return "Error", err.Error()
}

func describeStart(se *StartError) (code, message string) {
	last := se.Attempts[len(se.Attempts)-1]
	code, message = Describe(last.Err)
	message += " (in " + last.Region
	for _, a := range se.Attempts[:len(se.Attempts)-1] {
		c, _ := Describe(a.Err)
		message += ", after " + c + " in " + a.Region
	}
	message += ")"
	if se.Unknown {
		return code, message + "; whether an execution started is unknown: check ARC before requesting again"
	}
	return code, message + "; nothing was started"
}
