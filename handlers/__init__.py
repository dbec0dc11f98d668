"""One module per feature; each exports handlers() for bot.app to register."""
