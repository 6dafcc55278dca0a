// placeholder until implemented in this change
