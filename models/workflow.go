package models

// Status is where an entry stands in the editorial workflow.
type Status string

const (
	StatusDraft            Status = "draft"
	StatusInReview         Status = "in_review"
	StatusChangesRequested Status = "changes_requested"
	StatusApproved         Status = "approved"
	StatusScheduled        Status = "scheduled"
	StatusPublished        Status = "published"
)

// Statuses lists every status, in workflow order.
var Statuses = []Status{StatusDraft, StatusInReview, StatusChangesRequested, StatusApproved, StatusScheduled, StatusPublished}

// Action is something done to an entry that may move its status.
type Action string

const (
	ActionCreate         Action = "create" // recorded in history only: creation is not a transition
	ActionEdit           Action = "edit"   // update, restore: a new working revision
	ActionDelete         Action = "delete" // remove the entry
	ActionSubmit         Action = "submit"
	ActionWithdraw       Action = "withdraw"
	ActionApprove        Action = "approve"
	ActionRequestChanges Action = "request_changes"
	ActionPublish        Action = "publish"         // approved → published now
	ActionSchedule       Action = "schedule"        // approved → scheduled for later
	ActionPublishDue     Action = "publish_due"     // scheduled → published, by the scheduler when the time comes
	ActionScheduleFailed Action = "schedule_failed" // scheduled → approved, by the scheduler when publishing is impossible
	ActionUnpublish      Action = "unpublish"
	ActionCancelSchedule Action = "cancel_schedule" // scheduled → approved: nothing goes live
)

// Actions lists every action.
var Actions = []Action{ActionEdit, ActionDelete, ActionSubmit, ActionWithdraw, ActionApprove, ActionRequestChanges,
	ActionPublish, ActionSchedule, ActionPublishDue, ActionScheduleFailed, ActionUnpublish, ActionCancelSchedule}

// PersonActions are the actions people take (the scheduler's are not),
// in the order an entry's allowed_actions lists them.
var PersonActions = []Action{ActionEdit, ActionSubmit, ActionWithdraw, ActionApprove, ActionRequestChanges,
	ActionPublish, ActionSchedule, ActionCancelSchedule, ActionUnpublish, ActionDelete}

// workflow is the whole editorial workflow as data: the status an action
// leads to from each status where it is allowed. A pair that is absent is an
// invalid transition. Editing is refused while a revision is under review
// or scheduled: withdraw or unpublish first, so nobody edits under a
// reviewer's eyes or changes what is about to go live.
var workflow = map[Status]map[Action]Status{
	StatusDraft: {
		ActionEdit:   StatusDraft,
		ActionDelete: StatusDraft,
		ActionSubmit: StatusInReview,
	},
	StatusChangesRequested: {
		ActionEdit:   StatusChangesRequested,
		ActionDelete: StatusChangesRequested,
		ActionSubmit: StatusInReview,
	},
	StatusInReview: {
		ActionWithdraw:       StatusDraft,
		ActionApprove:        StatusApproved,
		ActionRequestChanges: StatusChangesRequested,
	},
	StatusApproved: {
		ActionEdit:     StatusDraft, // an approval covers exactly one revision
		ActionDelete:   StatusApproved,
		ActionPublish:  StatusPublished,
		ActionSchedule: StatusScheduled,
	},
	StatusScheduled: {
		ActionPublishDue:     StatusPublished,
		ActionScheduleFailed: StatusApproved, // e.g. its slug was taken meanwhile: a person decides
		ActionCancelSchedule: StatusApproved,
		ActionUnpublish:      StatusDraft,
	},
	StatusPublished: {
		ActionEdit:      StatusDraft, // the published revision stays live until the new one is published
		ActionUnpublish: StatusDraft,
	},
}

// Next returns the status that action leads to from status, and whether the
// action is allowed there at all.
func Next(status Status, action Action) (Status, bool) {
	to, ok := workflow[status][action]
	return to, ok
}

// NextOf is Next for an entry that may be live: a live entry can be
// unpublished from any status (say, while an edit of it is in review), and
// its working copy keeps that status; it cannot be deleted (unpublishing
// is a reviewer's decision, so deleting must not be a way around it).
func NextOf(status Status, live bool, action Action) (Status, bool) {
	if action == ActionDelete && live {
		return "", false
	}
	if to, ok := Next(status, action); ok {
		return to, true
	}
	if action == ActionUnpublish && live {
		return status, true
	}
	return "", false
}
