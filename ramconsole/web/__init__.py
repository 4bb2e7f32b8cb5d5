"""Web plumbing shared by every app's console pages: view guards, middleware, form helpers,
template tags, context processors, URL converters, error pages and `/health`."""
