/** Lines the Slack adapter writes itself (everything else comes translated from the core). */
export const slackEn = {
  more: '…and {{count}} more not shown here.',
  unknownCommand: 'Rapport has no {{command}} command. Type /rapport help for the list.',
  otherWorkspace: 'This Rapport serves another Slack workspace, so it cannot answer here.',
  unknownButton: 'That button does not belong to Rapport. Type the command instead, or /rapport help.',
  staleButton: 'That button is no longer valid. Type the command instead, or /rapport help.',
  lineTooLong: 'That line is {{length}} characters long; Rapport reads at most {{max}}. Shorten it and try again.',
  failed: 'Something went wrong on our side. It has been logged; please try again.',
  form: {
    cancel: 'Cancel',
    pickTime: 'Or pick a date and time',
    required: 'Please fill this in.',
    notANumber: 'Please enter a whole number.',
  },
  upload: {
    downloadFailed: 'I could not download {{file}} from Slack. Please upload it again.',
    noRequest: 'I do not know what {{file}} is for. Type {{command}} with its arguments first (see /rapport help {{command}}), then share the file here; or share it again with that command line as its message.',
  },
};
