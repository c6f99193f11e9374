/** Translate-train's targets for a task. Pure: the plan (workflow code) and the schema's checks both use it. */

/** A task's translate-train targets: the translate languages it is scored in (all of them when it has no evaluation languages). */
export function translateTargets(languages: readonly string[], task: { evaluation?: { languages: readonly string[] } | undefined }): string[] {
  const evaluated = task.evaluation?.languages;
  return evaluated === undefined ? [...languages] : languages.filter((language) => evaluated.includes(language));
}
