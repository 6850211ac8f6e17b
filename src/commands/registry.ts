import { callbackCancelCommand, callbackCommand, callbackDoneCommand, callbackSnoozeCommand } from './callback/callback.command.js';
import { callbacksCommand } from './callback/callbacks.command.js';
import type { AnyCommand } from './command.js';
import { complaintCommand, complaintResolveCommand } from './complaint/complaint.command.js';
import { complaintsCommand } from './complaint/complaints.command.js';
import { customerAssignBookCommand } from './customer/assign-book.command.js';
import { customerGreetedCommand } from './customer/greeted.command.js';
import { customerReferredCommand } from './customer/referred.command.js';
import { rapportRepDeactivateCommand } from './rapport/rep.command.js';
import { winbackExtendCommand, winbackGiveUpCommand, winbackReasonCommand, winbacksCommand } from './winback/winback.command.js';
import { customerAssignCommand } from './customer/assign.command.js';
import { customerExportCommand } from './customer/export.command.js';
import { customerHistoryCommand } from './customer/history.command.js';
import { customerAtRiskCommand, customerListCommand } from './customer/list.command.js';
import { customerLookupCommand, customerShareCommand } from './customer/lookup.command.js';
import { customerNoteCommand } from './customer/note.command.js';
import { customerTagCommand } from './customer/tag.command.js';
import { customerImportCommand } from './customer/import.command.js';
import { digestCommand } from './digest.command.js';
import { createHelpCommand } from './help.command.js';
import { rapportAsCommand } from './rapport/as.command.js';
import { rapportClaimCommand } from './rapport/claim.command.js';
import { rapportInviteCommand } from './rapport/invite.command.js';
import { rapportLinkCommand } from './rapport/link.command.js';
import { rapportOutboxCommand } from './rapport/outbox.command.js';
import { rapportModelCommand } from './rapport/model.command.js';
import { rapportPrefsCommand } from './rapport/prefs.command.js';
import { rapportSettingsCommand } from './rapport/settings.command.js';
import { rapportTodayCommand } from './rapport/today.command.js';
import { rapportWhoamiCommand } from './rapport/whoami.command.js';

/** Every command, registered explicitly (no directory scanning). Order is the /help order. */
export const commands: readonly AnyCommand[] = [
  customerLookupCommand,
  customerShareCommand,
  customerHistoryCommand,
  customerListCommand,
  customerAtRiskCommand,
  customerExportCommand,
  customerNoteCommand,
  customerTagCommand,
  customerAssignCommand,
  customerImportCommand,
  customerAssignBookCommand,
  customerReferredCommand,
  customerGreetedCommand,
  complaintCommand,
  complaintResolveCommand,
  complaintsCommand,
  winbacksCommand,
  winbackExtendCommand,
  winbackGiveUpCommand,
  winbackReasonCommand,
  callbackCommand,
  callbacksCommand,
  callbackDoneCommand,
  callbackSnoozeCommand,
  callbackCancelCommand,
  digestCommand,
  rapportTodayCommand,
  rapportWhoamiCommand,
  rapportPrefsCommand,
  rapportSettingsCommand,
  rapportLinkCommand,
  rapportInviteCommand,
  rapportClaimCommand,
  rapportRepDeactivateCommand,
  rapportAsCommand,
  rapportOutboxCommand,
  rapportModelCommand,
  createHelpCommand(() => commands),
];
