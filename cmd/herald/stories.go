package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"herald/app"
	"herald/stories"
)

func cmdStories(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: herald stories import FILE... | get ID | delete ID | topics")
	}
	sub, rest := args[0], args[1:]
	fs, cfg := newFlags("stories "+sub, stderr)
	if err := parse(fs, cfg, rest); err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	switch sub {
	case "import":
		return importStories(ctx, a, fs.Args(), stdout)
	case "get":
		if fs.NArg() != 1 {
			return errors.New("usage: herald stories get ID")
		}
		st, err := a.Stories.Get(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	case "delete":
		if fs.NArg() != 1 {
			return errors.New("usage: herald stories delete ID")
		}
		return a.Stories.Delete(ctx, fs.Arg(0))
	case "topics":
		return listTopics(ctx, a.Stories, stdout)
	}
	return fmt.Errorf("unknown stories command %q", sub)
}

// importStories reads each file (JSON object, array or NDJSON; "-" is
// standard input), stores the valid stories and reports the rest.
func importStories(ctx context.Context, a *app.App, files []string, stdout io.Writer) error {
	if len(files) == 0 {
		return errors.New("usage: herald stories import FILE... (JSON, JSON array or NDJSON; - for stdin)")
	}
	var created, updated, bad int
	for _, f := range files {
		items, err := readStoryFile(f)
		if err != nil {
			return err
		}
		for _, it := range items {
			if it.Err != nil {
				bad++
				fmt.Fprintf(stdout, "%s: %v\n", f, it.Err)
				continue
			}
			isNew, err := a.Ingest(ctx, it.Story)
			switch {
			case err != nil:
				bad++
				fmt.Fprintf(stdout, "%s: item %d: %v\n", f, it.Index, err)
			case isNew:
				created++
			default:
				updated++
			}
		}
	}
	fmt.Fprintf(stdout, "stories: %d new, %d updated, %d rejected\n", created, updated, bad)
	if bad > 0 {
		return fmt.Errorf("%d stories rejected", bad)
	}
	return nil
}

func readStoryFile(name string) ([]stories.Item, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	items, err := stories.ParseItems(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return items, nil
}

func listTopics(ctx context.Context, st *stories.Store, stdout io.Writer) error {
	topics, err := st.Topics(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SLUG\tNAME")
	for _, t := range topics {
		fmt.Fprintf(tw, "%s\t%s\n", t.Slug, t.Name)
	}
	return tw.Flush()
}
