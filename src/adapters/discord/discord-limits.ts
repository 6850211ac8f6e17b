/**
 * Discord's message, component and command limits (developer docs: "Embed Limits",
 * "Component Reference", "Application Commands"). A message over any of them is rejected
 * whole, so the renderer cuts to these before anything is sent.
 */
export const LIMITS = {
  content: 2000,
  embedsPerMessage: 10,
  attachmentsPerMessage: 10,
  /** Attachments of one message together: 10 MiB is what every server takes (boosted ones take more). */
  attachmentBytes: 10 * 1024 * 1024,
  /** Title, description, field names and values, footer and author of all embeds together. */
  embedTotal: 6000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  embedFooter: 2048,
  actionRows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  linkUrl: 512,
  selectOptions: 25,
  selectOptionText: 100,
  selectPlaceholder: 150,
  modalTitle: 45,
  modalComponents: 5,
  labelText: 45,
  textInputValue: 4000,
  textInputPlaceholder: 100,
  autocompleteChoices: 25,
  choiceName: 100,
  choiceValue: 100,
  commandName: 32,
  commandDescription: 100,
  commandOptions: 25,
  commandChoices: 25,
  stringOptionLength: 6000,
} as const;
