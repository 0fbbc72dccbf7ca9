package stytchtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/stytchmw/stytchmw/client"
)

// MaxRequestBytes bounds the body of every request the emulator reads.
const MaxRequestBytes = 1 << 20

// envelope is carried by every body the emulator writes, errors included.
type envelope struct {
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
}

func ok(requestID string) envelope { return envelope{RequestID: requestID, StatusCode: http.StatusOK} }

// apiError returns an error as the emulator answers it. The Go API returns
// the same *client.StytchError values, so errors.Is(err, client.ErrXxx)
// works on both sides.
func apiError(status int, t client.ErrorType, format string, args ...any) *client.StytchError {
	return &client.StytchError{StatusCode: status, ErrorType: t, ErrorMessage: fmt.Sprintf(format, args...)}
}

func badRequest(t client.ErrorType, format string, args ...any) *client.StytchError {
	return apiError(http.StatusBadRequest, t, format, args...)
}

// Messages Stytch documents, reused wherever the same condition arises.
const (
	msgSessionNotFound = "Session could not be found."
	msgUnauthorized    = "Unauthorized credentials."
	msgNotAuthorized   = "The User is not authorized to perform the requested action on that resource."
)

// errorURL is where Stytch's error bodies point for a status.
func errorURL(status int) string { return "https://stytch.com/docs/api/errors/" + strconv.Itoa(status) }

// defaultErrorType is the error type the emulator answers with a status when
// none is given (fault injection).
func defaultErrorType(status int) client.ErrorType {
	switch status {
	case http.StatusUnauthorized:
		return client.ErrUnauthorizedCredentials
	case http.StatusForbidden:
		return client.ErrConsumerSessionAuthorization
	case http.StatusNotFound:
		return client.ErrSessionNotFound
	case http.StatusMethodNotAllowed:
		return client.ErrMethodNotAllowed
	case http.StatusTooManyRequests:
		return client.ErrTooManyRequests
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout:
		return client.ErrServerUnavailable
	}
	if status >= 500 {
		return client.ErrInternalServerError
	}
	return client.ErrBadRequest
}

// defaultErrorMessage is Stytch's message for the errors whose message it
// documents, else a generic one.
func defaultErrorMessage(t client.ErrorType) string {
	switch t {
	case client.ErrUnauthorizedCredentials:
		return msgUnauthorized
	case client.ErrSessionNotFound:
		return msgSessionNotFound
	case client.ErrConsumerSessionAuthorization:
		return msgNotAuthorized
	case client.ErrTooManyRequests:
		return "Too many requests have been made."
	case client.ErrInternalServerError:
		return "Oops, something seems to have gone wrong, please reach out to support@stytch.com to let us know what went wrong."
	}
	return "Injected fault: " + string(t) + "."
}

// writeJSON writes body with status. A body that cannot be encoded is an
// emulator bug, answered as a 500 in Stytch's shape.
func writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		data, _ = json.Marshal(client.StytchError{StatusCode: status, ErrorType: client.ErrInternalServerError,
			ErrorMessage: "The emulator could not encode its answer.", ErrorURL: errorURL(status)})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}

// writeError writes e in Stytch's error shape.
func writeError(w http.ResponseWriter, requestID string, e *client.StytchError) {
	body := client.StytchError{
		StatusCode:   e.StatusCode,
		RequestID:    requestID,
		ErrorType:    e.ErrorType,
		ErrorMessage: e.ErrorMessage,
		ErrorURL:     errorURL(e.StatusCode),
		ErrorDetails: e.ErrorDetails,
	}
	writeJSON(w, e.StatusCode, body)
}

// decodeBody reads a JSON object of at most MaxRequestBytes into dst. Strict
// decoding (the admin API) refuses unknown fields; the Stytch endpoints
// ignore them, as SDKs may send fields this emulator does not know.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any, strict bool) *client.StytchError {
	body := http.MaxBytesReader(w, r.Body, MaxRequestBytes)
	dec := json.NewDecoder(body)
	if strict {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(dst)
	if err == nil && dec.Decode(&json.RawMessage{}) != io.EOF {
		err = errors.New("trailing data")
	}
	if err == nil {
		return nil
	}
	var tooLarge *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooLarge):
		return badRequest(client.ErrBadRequest, "The request body exceeds %d bytes.", MaxRequestBytes)
	case errors.Is(err, io.EOF):
		return badRequest(client.ErrBadRequest, "The request body is empty; send a JSON object.")
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return badRequest(client.ErrBadRequest, "The field %s has the wrong JSON type.", typeErr.Field)
	case errors.As(err, &typeErr):
		return badRequest(client.ErrBadRequest, "The request body must be a JSON object.")
	}
	// Other decoding errors may quote a little of the input; keep them out of
	// the answer in case it held a token.
	if field, found := strings.CutPrefix(err.Error(), "json: unknown field "); found && len(field) <= 130 {
		return badRequest(client.ErrBadRequest, "The request body has a field the emulator does not know: %s.", field)
	}
	return badRequest(client.ErrBadRequest, "The request body is not valid JSON.")
}
