package session

import (
	"context"
	"errors"
	"net"

	"github.com/aws/smithy-go"
)

// Describe splits an AWS error into what a user is shown: the error code (for
// example AccessDeniedException) and AWS's message. Errors without a response
// get a descriptive code of their own. Nothing secret is in either.
func Describe(err error) (code, message string) {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		msg := apiErr.ErrorMessage()
		if msg == "" {
			msg = "(AWS sent no message)"
		}
		return apiErr.ErrorCode(), msg
	}
	var pnf *PlanNotFoundError
	if errors.As(err, &pnf) {
		return "ResourceNotFoundException", pnf.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "Timeout", "AWS did not answer in time"
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return "NetworkError", "could not reach the ARC Region switch endpoint"
	}
	return "Error", err.Error()
}
