package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/crawlaudit/crawlaudit/internal/store"
)

// dbName is the crawl database every crawl writes in its output folder.
const dbName = "crawl.db"

// openCrawlDB creates the crawl database of a new crawl in o.out, or, with
// --resume DIR, opens DIR's database and restores the crawl's start URL
// and settings (a flag given again on the command line wins). It returns
// the stored metadata of a resumed crawl.
func openCrawlDB(o *crawlOptions) (*store.SQLite, *store.Meta, error) {
	if o.resume == "" {
		st, err := store.CreateSQLite(filepath.Join(o.out, dbName))
		if err != nil {
			return nil, nil, err
		}
		return st, nil, nil
	}
	path := filepath.Join(o.resume, dbName)
	if _, err := os.Stat(path); err != nil {
		return nil, nil, usagef("--resume %s: no %s there: %v", o.resume, dbName, unwrapPath(err))
	}
	st, err := store.OpenSQLite(path)
	if err != nil {
		return nil, nil, usagef("--resume %s: %v", o.resume, err)
	}
	meta, err := st.Meta()
	if err != nil || meta.StartURL == "" {
		st.Close()
		return nil, nil, usagef("--resume %s: %s holds no crawl to resume", o.resume, dbName)
	}
	if o.start != "" && o.start != meta.StartURL {
		st.Close()
		return nil, nil, usagef("--resume %s: that crawl started at %s, not %s", o.resume, meta.StartURL, o.start)
	}
	o.start = meta.StartURL
	if err := restoreSettings(o.flags, meta.Settings); err != nil {
		st.Close()
		return nil, nil, usagef("--resume %s: %v", o.resume, err)
	}
	return st, &meta, nil
}

// restoreSettings sets every flag named by a stored setting (key with "_"
// for "-") that was not given on the command line. Repeatable flags are
// stored as a JSON array (see repeated); crawls written before that stored
// them space-separated.
// settingList parses a repeatable flag's stored setting (see repeated): a
// JSON array, or the space-separated values of older crawls.
func settingList(v string) []string {
	var parts []string
	if err := json.Unmarshal([]byte(v), &parts); err != nil {
		parts = strings.Fields(v)
	}
	return parts
}

func restoreSettings(fs *pflag.FlagSet, settings map[string]string) error {
	if fs == nil {
		return errors.New("no flags to restore")
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := strings.ReplaceAll(k, "_", "-")
		f := fs.Lookup(name)
		if f == nil || fs.Changed(name) || name == "out" || name == "resume" {
			continue
		}
		v := settings[k]
		if f.Value.Type() == "stringArray" || f.Value.Type() == "stringSlice" {
			for _, part := range settingList(v) {
				if err := f.Value.Set(part); err != nil {
					return fmt.Errorf("stored setting %s: %v", k, err)
				}
			}
			continue
		}
		if err := f.Value.Set(v); err != nil {
			return fmt.Errorf("stored setting %s=%q: %v", k, v, err)
		}
	}
	return nil
}
