// Package mlog: the logging calls of the Azure Workload Identity webhook (cmd/webhook, pkg/webhook), written to
// stderr as JSON lines by go-logr's funcr. Levels: warning and info are logr V(0), debug V(1), trace V(2), all V(3).
package mlog

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
)

type LogLevel string

const (
	LevelWarning LogLevel = "warning"
	LevelInfo    LogLevel = "info"
	LevelDebug   LogLevel = "debug"
	LevelTrace   LogLevel = "trace"
	LevelAll     LogLevel = "all"
)

type LogFormat string

const (
	FormatJSON LogFormat = "json"
	FormatCLI  LogFormat = "cli"
)

type LogSpec struct {
	Level  LogLevel
	Format LogFormat
}

var verbosity atomic.Int32

func levelV(l LogLevel) (int, error) {
	switch l {
	case "", LevelWarning, LevelInfo:
		return 0, nil
	case LevelDebug:
		return 1, nil
	case LevelTrace:
		return 2, nil
	case LevelAll:
		return 3, nil
	}
	return 0, fmt.Errorf("unknown log level %q", l)
}

// ValidateAndSetLogLevelAndFormatGlobally sets the level of every logger; the format is always JSON.
func ValidateAndSetLogLevelAndFormatGlobally(_ context.Context, spec LogSpec) error {
	v, err := levelV(spec.Level)
	if err != nil {
		return err
	}
	verbosity.Store(int32(v))
	return nil
}

// Enabled: whether messages of this level are logged.
func Enabled(l LogLevel) bool {
	v, err := levelV(l)
	return err == nil && int32(v) <= verbosity.Load()
}

// Setup returns the function to call at exit (nothing to flush).
func Setup() func() { return func() {} }

func sink() logr.Logger {
	return funcr.NewJSON(func(obj string) { fmt.Fprintln(os.Stderr, obj) },
		funcr.Options{Verbosity: int(verbosity.Load())})
}

// Logr: a logr.Logger for controller-runtime.
func Logr() logr.Logger { return sink() }

// Logger: a named logger with key/value pairs.
type Logger struct{ l logr.Logger }

func New() Logger { return Logger{l: sink()} }

func (g Logger) WithName(name string) Logger         { return Logger{l: g.l.WithName(name)} }
func (g Logger) WithValues(kv ...interface{}) Logger { return Logger{l: g.l.WithValues(kv...)} }
func (g Logger) Info(msg string, kv ...interface{})  { g.l.Info(msg, kv...) }
func (g Logger) Warning(msg string, kv ...interface{}) {
	g.l.Info(msg, append([]interface{}{"level", "warning"}, kv...)...)
}
func (g Logger) Debug(msg string, kv ...interface{})            { g.l.V(1).Info(msg, kv...) }
func (g Logger) Trace(msg string, kv ...interface{})            { g.l.V(2).Info(msg, kv...) }
func (g Logger) Error(msg string, err error, kv ...interface{}) { g.l.Error(err, msg, kv...) }

func Info(msg string, kv ...interface{})             { New().Info(msg, kv...) }
func Warning(msg string, kv ...interface{})          { New().Warning(msg, kv...) }
func Debug(msg string, kv ...interface{})            { New().Debug(msg, kv...) }
func Error(msg string, err error, kv ...interface{}) { New().Error(msg, err, kv...) }

// Fatal logs err and exits 1.
func Fatal(err error, kv ...interface{}) {
	New().Error("fatal", err, kv...)
	os.Exit(1)
}
