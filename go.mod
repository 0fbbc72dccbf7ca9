module github.com/stytchmw/stytchmw

go 1.26
