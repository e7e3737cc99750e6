// monis.app/mlog is not served by the Go module proxy reachable here (403 for every version), and the webhook uses
// it only to log. This module, written for this project (not a copy of mlog), implements the part of its API that
// the webhook's packages call, on go-logr's JSON logger; ../go.mod replaces monis.app/mlog with it.
module monis.app/mlog

go 1.22

require github.com/go-logr/logr v1.4.2
