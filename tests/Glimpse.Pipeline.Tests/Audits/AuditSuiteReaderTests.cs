using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Glimpse.Core.Audits;
using Glimpse.Core.Contracts;
using Glimpse.Core.Evaluation;
using Glimpse.Pipeline.Audits;
using static Glimpse.Pipeline.Tests.Audits.AuditFixtures;

namespace Glimpse.Pipeline.Tests.Audits;

/// <summary>suite.json reading, run and job naming, the schemas, and drift arithmetic: no storage, no model.</summary>
public sealed class AuditSuiteReaderTests
{
    private static AuditSuiteReading Read(JsonNode suite, string name = "s") => AuditSuiteReader.Read(name, Encoding.UTF8.GetBytes(suite.ToJsonString()));

    [Fact]
    public void A_minimal_suite_reads_with_the_defaults()
    {
        var reading = Read(new JsonObject
        {
            ["schema_version"] = "1.0",
            ["cases"] = new JsonArray(Case("c1", "img/a.png", "what is it?", "a cat", "masks/a.png")),
        });
        Assert.Empty(reading.Problems);
        var suite = reading.Suite!;
        Assert.Equal(("s", null, null), (suite.Name, suite.Model, suite.MaxNewTokens));
        Assert.Equal(["glimpse"], suite.Methods);
        var only = Assert.Single(suite.Cases);
        Assert.Equal(("c1", "img/a.png", "a cat", "masks/a.png", ReferenceKind.Mask), (only.Id, only.Image, only.ExpectedAnswer, only.Reference, only.ReferenceKind));
        Assert.Empty(only.Problems);
    }

    [Theory]
    [InlineData("{", "suite 's': suite.json is not valid JSON")]
    [InlineData("[]", "suite 's': suite.json must be a JSON object")]
    [InlineData("{\"schema_version\": \"2.0\", \"cases\": [{\"id\": \"a\", \"image\": \"a.png\", \"question\": \"q\"}]}", "suite 's': schema_version '2.0' is not supported")]
    [InlineData("{\"schema_version\": \"1.0\", \"cases\": []}", "suite 's': cases must be a non-empty array")]
    [InlineData("{\"schema_version\": \"1.0\", \"methods\": [\"glimpse\", \"magic\"], \"cases\": [{\"id\": \"a\", \"image\": \"a.png\", \"question\": \"q\"}]}", "suite 's': method 'magic' is not known")]
    [InlineData("{\"schema_version\": \"1.0\", \"cases\": [{\"id\": \"a\", \"image\": \"a.png\", \"question\": \"q\"}, {\"id\": \"a\", \"image\": \"b.png\", \"question\": \"q\"}]}", "suite 's': case id 'a' is used by 2 cases")]
    [InlineData("{\"schema_version\": \"1.0\", \"modle\": \"x\", \"cases\": [{\"id\": \"a\", \"image\": \"a.png\", \"question\": \"q\"}]}", "suite 's': 'modle' is not a field")]
    public void A_suite_level_problem_stops_the_suite_and_names_it(string json, string problem)
    {
        var reading = AuditSuiteReader.Read("s", Encoding.UTF8.GetBytes(json));
        Assert.Null(reading.Suite);
        Assert.Contains(reading.Problems, p => p.StartsWith(problem, StringComparison.Ordinal));
    }

    [Fact]
    public void A_case_level_problem_fails_only_that_case_and_names_the_suite_and_the_case()
    {
        var bad = new JsonArray(
            Case("fine", "a.png", "q"),
            new JsonObject { ["id"] = "no-question", ["image"] = "a.png" },
            Case("escapes", "../other/a.png", "q"),
            new JsonObject { ["id"] = "kindless", ["image"] = "a.png", ["question"] = "q", ["reference"] = "m.png" },
            new JsonObject { ["image"] = "a.png", ["question"] = "q" });
        var suite = Read(new JsonObject { ["schema_version"] = "1.0", ["cases"] = bad }, "mine").Suite!;

        Assert.Empty(suite.Cases[0].Problems);
        Assert.Equal(["suite 'mine', case 'no-question': question is missing"], suite.Cases[1].Problems);
        Assert.StartsWith("suite 'mine', case 'escapes': image contains a '.' or '..' segment", Assert.Single(suite.Cases[2].Problems));
        Assert.Equal(["suite 'mine', case 'kindless': a reference needs its reference_kind: \"mask\" or \"map\""], suite.Cases[3].Problems);
        Assert.Equal("#5", suite.Cases[4].Id);
        Assert.Equal(["suite 'mine', case #5: id is missing"], suite.Cases[4].Problems);
    }

    [Fact]
    public void Run_ids_sort_by_slot_repeat_for_a_slot_and_differ_between_suites()
    {
        var slot = new DateTimeOffset(2026, 11, 28, 4, 15, 0, TimeSpan.FromHours(1));
        string runId = AuditLayout.RunId("nightly", slot);
        Assert.Matches("^20261128T031500Z-[0-9a-f]{8}$", runId);
        Assert.True(AuditLayout.IsValidRunId(runId));
        Assert.Equal(runId, AuditLayout.RunId("nightly", slot.ToUniversalTime()));
        Assert.NotEqual(runId, AuditLayout.RunId("weekly", slot));
        Assert.True(string.CompareOrdinal(runId, AuditLayout.RunId("nightly", slot.AddDays(1))) < 0);
        Assert.EndsWith(AuditLayout.SuiteSuffix("nightly"), runId);

        var firing = new DateTimeOffset(2026, 11, 28, 3, 15, 40, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 3, 0, 0, TimeSpan.Zero), AuditLayout.SlotOf(firing, TimeSpan.FromHours(1)));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 3, 15, 0, TimeSpan.Zero), AuditLayout.SlotOf(firing, TimeSpan.FromMinutes(15)));
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero), AuditLayout.SlotOf(firing.ToOffset(TimeSpan.FromHours(-5)), TimeSpan.FromDays(1)));

        string jobId = AuditLayout.JobId(runId, "Case:1", "glimpse");
        Assert.True(BlobLayout.IsValidJobId(jobId));
        Assert.Equal(jobId, AuditLayout.JobId(runId, "Case:1", "glimpse"));
        Assert.NotEqual(jobId, AuditLayout.JobId(runId, "Case:1", "rollout"));
        Assert.False(AuditLayout.IsValidSuiteName(AuditLayout.RunsFolder));
        Assert.Throws<ArgumentException>(() => AuditLayout.SuiteBlob("../x"));
    }

    [Fact]
    public void The_readme_example_suite_is_valid_for_the_schema_and_the_reader()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        string section = readme[readme.IndexOf("## Scheduled audits", StringComparison.Ordinal)..];
        var example = JsonNode.Parse(Regex.Match(section, "```json\n(.*?)\n```", RegexOptions.Singleline).Groups[1].Value);

        AuditSchemas.AssertValid("audit-suite.schema.json", example);
        var reading = Read(example!, "nightly");
        Assert.Empty(reading.Problems);
        Assert.All(reading.Suite!.Cases, c => Assert.Empty(c.Problems));
    }

    [Fact]
    public void The_suite_schema_refuses_what_the_reader_refuses_for_its_shape()
    {
        var valid = Suite(["glimpse"], Case("a", "a.png", "q"));
        AuditSchemas.AssertValid("audit-suite.schema.json", valid);
        foreach (var broken in new[]
                 {
                     valid.DeepClone().AsObject().Also(o => o["methods"] = new JsonArray("magic")),
                     valid.DeepClone().AsObject().Also(o => o["cases"] = new JsonArray()),
                     valid.DeepClone().AsObject().Also(o => o["cases"]![0]!["image"] = "a b.png"),
                     valid.DeepClone().AsObject().Also(o => o["typo"] = 1),
                 })
        {
            Assert.False(AuditSchemas.Evaluate("audit-suite.schema.json", broken).IsValid, broken.ToJsonString());
            var reading = Read(broken);
            Assert.True(reading.Problems.Count > 0 || reading.Suite!.Cases.Any(c => c.Problems.Count > 0), broken.ToJsonString());
        }
    }

    [Theory]
    [InlineData("audit-suite.schema.json")]
    [InlineData("audit-summary.schema.json")]
    [InlineData("geometry.schema.json")]
    public void Every_audit_schema_is_draft_2020_12_and_describes_every_field(string name)
    {
        var root = JsonNode.Parse(AuditSchemas.Text(name))!.AsObject();
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", (string?)root["$schema"]);
        var undescribed = new List<string>();
        void Walk(JsonNode? node, string path)
        {
            if (node is not JsonObject schema) return;
            if (schema["properties"] is JsonObject properties)
                foreach (var (field, value) in properties)
                {
                    if (string.IsNullOrWhiteSpace((string?)value!["description"])) undescribed.Add($"{path}.{field}");
                    Walk(value, $"{path}.{field}");
                }
            foreach (string nested in new[] { "items", "additionalProperties" }) Walk(schema[nested], $"{path}[]");
            if (schema["$defs"] is JsonObject defs) foreach (var (_, def) in defs) Walk(def, "$defs");
        }
        Walk(root, "$");
        Assert.Empty(undescribed);
    }

    [Fact]
    public void Drift_is_the_difference_of_the_means_and_lists_the_answers_that_changed()
    {
        static AuditSummary Summary(string runId, double nss, params AuditCaseResult[] cases) => new()
        {
            RunId = runId, Suite = "s", ScheduledAt = DateTimeOffset.UnixEpoch, CompletedAt = DateTimeOffset.UnixEpoch, Outcome = AuditRunOutcome.Completed,
            Methods = ["glimpse"], Counts = new AuditCounts(cases.Length, cases.Length, cases.Count(c => c.Status == JobStatus.Succeeded), cases.Count(c => c.Status == JobStatus.Failed)),
            Accuracy = new AuditEstimate(2, cases.Count(c => c.Correct == true) / 2.0, 0, 1),
            ByMethod = new Dictionary<string, AuditMethodSummary>
            {
                ["glimpse"] = new(false, 2, 2, 0, null, new Dictionary<string, AuditMetricSummary> { ["nss"] = new(2, nss, nss, nss, true) }),
            },
            Cases = cases,
        };
        static AuditCaseResult Row(string id, string? answer, bool? correct) => new()
        {
            CaseId = id, Method = "glimpse", Status = answer is null ? JobStatus.Failed : JobStatus.Succeeded, Question = "q", Answer = answer, Correct = correct,
        };
        var before = Summary("20261127T031500Z-00000000", 1.5, Row("a", "Red.", true), Row("b", "blue", false));
        var now = Summary("20261128T031500Z-00000000", 1.25, Row("a", "red", true), Row("b", "green", true));

        var drift = AuditSummaryBuilder.Drift(before, now);

        Assert.Equal(before.RunId, drift.PreviousRunId);
        Assert.Equal(new AuditDelta(1.5, 1.25, -0.25), drift.Metrics["glimpse"]["nss"]);
        Assert.Equal(new AuditDelta(0.5, 1.0, 0.5), drift.Accuracy);
        Assert.Equal(new AuditDelta(null, null, null), drift.Metrics["glimpse"]["cc"]);
        // "Red." and "red" are the same answer after normalisation; only b changed.
        var change = Assert.Single(drift.AnswerChanges);
        Assert.Equal(("b", "blue", "green", false, true), (change.CaseId, change.PreviousAnswer, change.Answer, change.PreviousCorrect, change.Correct));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "GlimpseFunctions.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root above " + AppContext.BaseDirectory);
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject node, Action<JsonObject> change)
    {
        change(node);
        return node;
    }
}
