using System.Text.Json;
using System.Text.Json.Nodes;
using Glimpse.Core.Contracts;
using Json.Schema;

namespace Glimpse.Pipeline.Tests.Contracts;

/// <summary>The JSON Schema files describe what the code writes and reads, and describe every field.</summary>
public sealed class SchemaTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 30, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, JsonSchema> Schemas = [];

    /// <summary>Each schema is built once: the library registers it globally by its $id, and refuses a second registration.</summary>
    private static JsonSchema Load(string name)
    {
        lock (Schemas)
        {
            if (!Schemas.TryGetValue(name, out var schema))
                Schemas[name] = schema = JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", name)));
            return schema;
        }
    }

    private static EvaluationResults Evaluate(string schema, JsonNode? document) =>
        Load(schema).Evaluate(JsonSerializer.SerializeToElement(document), new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });

    private static void AssertValid(string schema, JsonNode? document)
    {
        var results = Evaluate(schema, document);
        Assert.True(results.IsValid, string.Join("\n", (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    private static JsonNode? Written<T>(T value) => JsonNode.Parse(PipelineJson.Serialize(value).ToString());

    [Theory]
    [InlineData("job.schema.json")]
    [InlineData("status.schema.json")]
    [InlineData("completion.schema.json")]
    [InlineData("failure.schema.json")]
    public void Every_schema_is_draft_2020_12_and_describes_every_field(string name)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", name)))!.AsObject();
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)root["$schema"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)root["description"]));

        var undescribed = new List<string>();
        void Walk(JsonObject schema, string path)
        {
            if (schema["properties"] is JsonObject properties)
                foreach (var (field, value) in properties)
                {
                    var property = value!.AsObject();
                    if (string.IsNullOrWhiteSpace((string?)property["description"])) undescribed.Add($"{path}.{field}");
                    Walk(property, $"{path}.{field}");
                }
        }
        Walk(root, "$");
        Assert.Empty(undescribed);
    }

    [Fact]
    public void Manifests_the_validator_accepts_match_the_job_schema()
    {
        AssertValid("job.schema.json", TestManifests.Valid());
        AssertValid("job.schema.json", new JsonObject { ["schema_version"] = "1.0", ["prompt"] = "p", ["image"] = "in/a.jpg", ["model"] = "m", ["tags"] = null });
    }

    [Theory]
    [InlineData("image", "../x.png")]
    [InlineData("image", "a//b.png")]
    [InlineData("image", "dir/")]
    [InlineData("method", "magic")]
    [InlineData("schema_version", "2.0")]
    [InlineData("max_new_tokens", "0")]
    [InlineData("promt", "typo")]
    public void Manifests_the_validator_refuses_for_their_shape_the_schema_refuses_too(string field, string value)
    {
        JsonNode node = int.TryParse(value, out int number) ? JsonValue.Create(number) : JsonValue.Create(value);
        var manifest = TestManifests.Valid().With(field, node);

        Assert.False(Evaluate("job.schema.json", manifest).IsValid);
    }

    [Fact]
    public void Status_records_as_written_match_the_status_schema()
    {
        var accepted = new StatusRecord
        {
            JobId = "job-1", Status = JobStatus.Accepted, UpdatedAt = Now, Model = "llava_tiny", Method = "glimpse",
            CorrelationId = "c-1", Tags = new Dictionary<string, string> { ["a"] = "b" }, QueuedAt = Now,
        };
        AssertValid("status.schema.json", Written(accepted));
        AssertValid("status.schema.json", Written(accepted with
        {
            Status = JobStatus.Succeeded, Attempt = 1, Results = BlobLayout.ResultBlobs("job-1"), CompletionPublishedAt = Now,
        }));
        AssertValid("status.schema.json", Written(new StatusRecord
        {
            JobId = "job-2", Status = JobStatus.Failed, UpdatedAt = Now, Reason = "prompt is missing", Failure = BlobLayout.FailureBlob("job-2"),
        }));
    }

    [Fact]
    public void Completion_events_as_written_match_the_completion_schema()
    {
        var succeeded = new CompletionEvent
        {
            JobId = "job-1", Status = JobStatus.Succeeded, Model = "llava_tiny", Method = "glimpse", CorrelationId = "c-1",
            Results = new ResultFiles("http://h/r/job-1/result.json", "http://h/r/job-1/overlay.png", "http://h/r/job-1/heatmap.png", "http://h/r/job-1/report.html"),
            StatusUri = "http://h/r/job-1/status.json", Answer = "red", Timings = new CompletionTimings(0.5, 1.25, 2.0), CompletedAt = Now,
        };
        AssertValid("completion.schema.json", Written(succeeded));
        AssertValid("completion.schema.json", Written(new CompletionEvent
        {
            JobId = "job-2", Status = JobStatus.Failed, FailureUri = "http://h/r/job-2/failure.json", StatusUri = "http://h/r/job-2/status.json",
            Reason = "image is missing", CompletedAt = Now,
        }));
        Assert.False(Evaluate("completion.schema.json", Written(succeeded with { Status = JobStatus.Running })).IsValid);
    }

    [Fact]
    public void Failure_documents_as_written_match_the_failure_schema()
    {
        AssertValid("failure.schema.json", Written(new FailureDocument
        {
            JobId = "job-1", Stage = FailureStage.Ingest, Reason = "a; b", Problems = ["a", "b"], FailedAt = Now, CorrelationId = "c",
        }));
    }

    [Fact]
    public void Statuses_and_stages_are_written_in_snake_case()
    {
        var json = PipelineJson.Serialize(new FailureDocument { JobId = "j", Stage = FailureStage.Worker, Reason = "r", Problems = ["r"], FailedAt = Now }).ToString();
        using var document = JsonDocument.Parse(json);
        Assert.Equal("worker", document.RootElement.GetProperty("stage").GetString());
        Assert.Equal("j", document.RootElement.GetProperty("job_id").GetString());
    }
}
