/**
 * Who reads a message: the author of a workflow, who sets the action's
 * inputs in `with:`, or a terminal user, who has the CLI's flags (and no
 * workflow, runner or step).
 */
export type Surface = 'action' | 'terminal';
