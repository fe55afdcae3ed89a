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
		StatusScheduled:        {ActionPublishDue: StatusPublished, ActionScheduleFailed: StatusApproved, ActionUnpublish: StatusDraft},
		StatusPublished:        {ActionEdit: StatusDraft, ActionDelete: StatusPublished, ActionUnpublish: StatusDraft},
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
