package models

import "testing"

// TestWorkflowEveryPair checks the transition table against the contract for
// every status × action pair, written out here independently of the table.
func TestWorkflowEveryPair(t *testing.T) {
	allowed := map[Status]map[Action]Status{
		StatusDraft:            {ActionEdit: StatusDraft, ActionDelete: StatusDraft, ActionSubmit: StatusInReview},
		StatusChangesRequested: {ActionEdit: StatusChangesRequested, ActionDelete: StatusChangesRequested, ActionSubmit: StatusInReview},
		StatusInReview:         {ActionWithdraw: StatusDraft, ActionApprove: StatusApproved, ActionRequestChanges: StatusChangesRequested},
		StatusApproved:         {ActionEdit: StatusDraft, ActionDelete: StatusApproved, ActionPublish: StatusPublished, ActionSchedule: StatusScheduled},
		StatusScheduled:        {ActionPublishDue: StatusPublished, ActionScheduleFailed: StatusApproved, ActionUnpublish: StatusDraft, ActionCancelSchedule: StatusApproved},
		StatusPublished:        {ActionEdit: StatusDraft, ActionUnpublish: StatusDraft}, // a live entry is not deleted
	}
	pairs := 0
	for _, from := range Statuses {
		for _, a := range append([]Action{ActionCreate}, Actions...) {
			pairs++
			want, wantOK := allowed[from][a]
			got, ok := Next(from, a)
			if ok != wantOK || got != want {
				t.Errorf("%s × %s: got (%q, %v), want (%q, %v)", from, a, got, ok, want, wantOK)
			}
		}
	}
	if pairs != len(Statuses)*(len(Actions)+1) || len(Statuses) != 6 {
		t.Fatalf("checked %d pairs", pairs)
	}
}

// TestLiveEntries checks the two rules of a live entry: it can be
// unpublished from any status, keeping that status, and never deleted.
func TestLiveEntries(t *testing.T) {
	for _, st := range Statuses {
		to, ok := NextOf(st, true, ActionUnpublish)
		want := st
		if st == StatusPublished || st == StatusScheduled {
			want = StatusDraft
		}
		if !ok || to != want {
			t.Errorf("unpublish a live %s entry: (%q, %v), want %q", st, to, ok, want)
		}
		if _, ok := NextOf(st, true, ActionDelete); ok {
			t.Errorf("a live %s entry can be deleted", st)
		}
		// (A published entry is always live; scheduled is the one status that can be unpublished while not live.)
		if _, ok := NextOf(st, false, ActionUnpublish); ok != (st == StatusScheduled || st == StatusPublished) {
			t.Errorf("unpublish a %s entry that is not live: %v", st, ok)
		}
	}
}
