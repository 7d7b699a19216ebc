-- What the bot learned about an OpenAI-compatible endpoint and model from its refusals
-- (`model::learned::Learned` as JSON: parameters not sent, the structured-output mode, schema
-- keywords taken out, the output budget reasoning needs), and the last refusal it could not
-- adapt to, in the provider's words. Shared by every process on the database.
CREATE TABLE model_settings (
    base_url TEXT NOT NULL,
    model TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}',
    refusal TEXT,
    refused_at TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (base_url, model)
);
