package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"herald/app"
	"herald/stories"
)

func newStoriesImportCmd(cfg *app.Config) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE...",
		Short: "Store stories from JSON, a JSON array or NDJSON files",
		Long: `Store every valid story of each file (one JSON object, an array, or NDJSON;
- is standard input). Re-importing an id updates the story. A rejected item
is named by file, item index and field; the valid rest is stored, and the
exit status is 1 (2 when nothing was stored).`,
		Example: `  herald stories import examples/stories.json
  cat stories.ndjson | herald stories import -`,
		Args: wantArgs(1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := openApp(cmd.Context(), cfg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer a.Close()
			imp := &storyImport{a: a, out: cmd.OutOrStdout(), bar: newProgress(cmd.ErrOrStderr(), "importing")}
			return imp.files(cmd.Context(), args)
		},
	}
}

// storyImport counts one "stories import" run.
type storyImport struct {
	a                     *app.App
	out                   io.Writer
	bar                   *progress
	created, updated, bad int
}

func (im *storyImport) files(ctx context.Context, files []string) error {
	for _, f := range files {
		im.file(ctx, f)
	}
	fmt.Fprintf(im.out, "stories: %d new, %d updated, %d rejected\n", im.created, im.updated, im.bad)
	return rejected("stories import", im.bad, im.created+im.updated)
}

// file stores the valid items of one file and reports the rest.
func (im *storyImport) file(ctx context.Context, name string) {
	items, err := readStoryFile(name)
	for i, it := range items {
		im.item(ctx, name, it)
		im.bar.update(i+1, len(items))
	}
	im.bar.done()
	if err != nil {
		im.bad++
		fmt.Fprintf(im.out, "%s: %v\n", name, err)
	}
}

func (im *storyImport) item(ctx context.Context, file string, it stories.Item) {
	err := it.Err
	isNew := false
	if err == nil {
		isNew, err = im.a.Ingest(ctx, it.Story)
	}
	switch {
	case err != nil:
		im.bad++
		fmt.Fprintf(im.out, "%s: item %d: %s\n", file, it.Index, itemMessage(err))
	case isNew:
		im.created++
	default:
		im.updated++
	}
}

// itemMessage is a rejection as "field: message", without the package
// prefix the file and item index already stand for.
func itemMessage(err error) string {
	var ve *stories.ValidationError
	if errors.As(err, &ve) && ve.Field != "" {
		return ve.Field + ": " + ve.Message
	}
	if ve != nil {
		return ve.Message
	}
	return err.Error()
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
	return stories.ParseItems(r)
}
