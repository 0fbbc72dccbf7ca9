module github.com/stytchmw/stytchmw/sdkcheck

go 1.26.0

replace github.com/stytchmw/stytchmw => ../

require (
	github.com/stytchauth/stytch-go/v18 v18.0.0
	github.com/stytchmw/stytchmw v0.0.0-00010101000000-000000000000
	go.uber.org/goleak v1.3.0
)

require (
	github.com/MicahParks/keyfunc/v2 v2.0.1 // indirect
	github.com/golang-jwt/jwt/v5 v5.2.2 // indirect
	github.com/mitchellh/mapstructure v1.5.0 // indirect
)
