package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set at build time with -ldflags "-X main.version=v1.2.0 -X main.commit=...
// -X main.buildTime=...": each wins over what the build info says.
var version, commit, buildTime string

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build time",
		Long: `Print the module version, the commit and the build time. The commit comes
from the build info of a binary built with VCS stamping (go build
-buildvcs=true, the default outside this repository's GOFLAGS) or from
-ldflags "-X main.commit=...".`,
		Example: `  herald version`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi, _ := debug.ReadBuildInfo()
			return printVersion(cmd.OutOrStdout(), versionOf(bi))
		},
	}
}

// versionInfo is what "herald version" prints.
type versionInfo struct {
	Version, Commit, Time, TimeLabel, Go string
	Modified                             bool
}

// versionOf reads the build info, then lets ldflags values win.
func versionOf(bi *debug.BuildInfo) versionInfo {
	v := versionInfo{Version: "(devel)", Commit: "unknown", Time: "unknown", TimeLabel: "built"}
	if bi != nil {
		v.Go = bi.GoVersion
		if bi.Main.Version != "" {
			v.Version = bi.Main.Version
		}
		v.fromSettings(bi.Settings)
	}
	v.fromLDFlags()
	return v
}

func (v *versionInfo) fromSettings(settings []debug.BuildSetting) {
	for _, s := range settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.Time, v.TimeLabel = s.Value, "committed"
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
}

func (v *versionInfo) fromLDFlags() {
	if version != "" {
		v.Version = version
	}
	if commit != "" {
		v.Commit, v.Modified = commit, false
	}
	if buildTime != "" {
		v.Time, v.TimeLabel = buildTime, "built"
	}
}

func printVersion(w io.Writer, v versionInfo) error {
	modified := ""
	if v.Modified {
		modified = " (modified)"
	}
	_, err := fmt.Fprintf(w, "herald %s\ncommit %s%s\n%-9s %s\ngo        %s\n", v.Version, v.Commit, modified, v.TimeLabel, v.Time, v.Go)
	return err
}
