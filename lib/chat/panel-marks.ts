/** User Timing mark the panel sets whenever its message box gets focus (read by bench scenario 5). */
export const MESSAGE_FOCUSED_MARK = 'parley:message-focused';
