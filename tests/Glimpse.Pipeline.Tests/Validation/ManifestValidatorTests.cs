using System.Text;
using System.Text.Json.Nodes;
using Glimpse.Core.Methods;
using Glimpse.Core.Validation;

namespace Glimpse.Pipeline.Tests.Validation;

public sealed class ManifestValidatorTests
{
    private static readonly ManifestValidator Validator = new(new ManifestLimits(), [TinyModels.Llava, TinyModels.Qwen2VL]);

    private static ManifestValidation Validate(JsonNode manifest) => Validator.Validate(TestManifests.Bytes(manifest));
    private static ManifestValidation Validate(string json) => Validator.Validate(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void A_valid_manifest_gives_every_field_and_the_explain_settings()
    {
        var validation = Validate(TestManifests.Valid());

        Assert.Empty(validation.Problems);
        var manifest = Assert.IsType<Glimpse.Core.Contracts.JobManifest>(validation.Manifest);
        Assert.Equal("what color is the big ball", manifest.Prompt);
        Assert.Equal("image.png", manifest.Image);
        Assert.Equal(TinyModels.Llava, manifest.Model);
        Assert.Equal("glimpse", manifest.Method);
        Assert.Equal(TestManifests.TestMaxNewTokens, manifest.MaxNewTokens);
        Assert.Equal("client-42", manifest.CorrelationId);
        Assert.Equal("vision", manifest.Tags["team"]);
        Assert.Equal(0.5, validation.Settings!.Glimpse.Lambda);
        Assert.Equal(MapNormalization.Percentile, validation.Settings.Normalization);
    }

    [Fact]
    public void Optional_fields_may_be_omitted_or_null_and_take_their_defaults()
    {
        var minimal = new JsonObject { ["schema_version"] = "1.0", ["prompt"] = "why", ["image"] = "a.jpg", ["model"] = TinyModels.Qwen2VL };
        var nulls = minimal.With("method", null).With("options", null).With("max_new_tokens", null).With("correlation_id", null).With("tags", null);

        foreach (var node in new[] { minimal, nulls })
        {
            var validation = Validate(node);
            Assert.Empty(validation.Problems);
            Assert.Equal("glimpse", validation.Manifest!.Method);
            Assert.Equal(32, validation.Manifest.MaxNewTokens);
            Assert.Null(validation.Manifest.CorrelationId);
            Assert.Empty(validation.Manifest.Tags);
            Assert.Equal(new GlimpseOptions(), validation.Settings!.Glimpse);
            Assert.Equal(ModelPrecision.Float32, validation.Settings.Precision);
        }
    }

    [Fact]
    public void Every_option_reaches_the_glimpse_options()
    {
        var options = new JsonObject
        {
            ["lambda"] = 2.0, ["epsilon"] = 0.001, ["depth_lambda"] = -1.5, ["depth_prior"] = false, ["head_weighting"] = "mean",
            ["row_normalize"] = false, ["layer_fraction"] = 0.25, ["token_weights"] = "confidence", ["target"] = "log-prob",
            ["grad_region"] = "full", ["exclude_self"] = false, ["per_token_maps"] = true, ["chunk_size"] = 3,
            ["memory_budget_mib"] = 64, ["normalize"] = "rank", ["precision"] = "bfloat16-mixed",
            ["propagation"] = "plain", ["answer_tokens"] = "top-k", ["top_k"] = 5,
        };
        // Every option GLIMPSE takes (layer is raw attention's and Grad-CAM's: below).
        Assert.Equal(ExplainOptions.All.Where(o => o.AppliesTo(ExplainMethods.Get("glimpse"))).Select(o => o.Name).Order(), options.Select(o => o.Key).Order());

        var settings = Validate(TestManifests.Valid().With("options", options)).Settings!;

        Assert.Equal(new GlimpseOptions
        {
            Lambda = 2.0, Epsilon = 0.001, DepthLambda = -1.5, DepthPrior = false, HeadWeighting = HeadWeighting.Mean,
            RowNormalize = false, LayerFraction = 0.25, TokenWeights = TokenWeighting.Confidence, Target = GradientTarget.LogProbability,
            GradientRegion = GradientRegion.Full, ExcludeSelf = false, PerTokenMaps = true, ChunkSize = 3, MemoryBudgetBytes = 64L << 20,
            Propagation = PropagationRule.Plain, AnswerTokens = AnswerTokenSelection.TopK, TopK = 5,
        }, settings.Glimpse);
        Assert.Equal(MapNormalization.Rank, settings.Normalization);
        Assert.Equal(ModelPrecision.BFloat16Mixed, settings.Precision);

        var raw = Validate(TestManifests.Valid().With("method", "raw-attention").With("options", new JsonObject { ["layer"] = -2 }));
        Assert.Equal(-2, raw.Settings!.Layer);
        Assert.Contains(Validate(TestManifests.Valid().With("options", new JsonObject { ["layer"] = 1 })).Problems,
            p => p.StartsWith("options.layer does not apply to method glimpse", StringComparison.Ordinal));
    }

    public static TheoryData<string, string> BrokenManifests()
    {
        var valid = TestManifests.Valid();
        string Json(JsonNode node) => node.ToJsonString();
        return new TheoryData<string, string>
        {
            { "", "the manifest is empty (0 bytes)" },
            { "{\"prompt\": ", "the manifest is not valid JSON" },
            { "{\"a\":" + new string('[', 20) + new string(']', 20) + "}", "at most 8 levels deep" },
            { "[1, 2]", "must be a JSON object, not an array" },
            { Json(valid.Without("prompt").With("promt", "typo")), "'promt' is not a manifest field" },
            { "{\"schema_version\":\"1.0\",\"prompt\":\"a\",\"prompt\":\"b\",\"image\":\"a.png\",\"model\":\"llava_tiny\"}", "'prompt' appears more than once" },
            { Json(valid.With("schema_version", "2.0")), "schema_version '2.0' is not supported; supported: 1.0" },
            { Json(valid.With("schema_version", 1.0)), "schema_version must be a string, not a number" },
            { Json(valid.Without("prompt")), "prompt is missing" },
            { Json(valid.With("prompt", "   ")), "prompt is empty" },
            { Json(valid.With("prompt", new string('x', 2001))), "prompt is 2001 characters long; the limit is 2000" },
            { Json(valid.With("prompt", "what\u0000now")), "prompt contains a control character" },
            { "{\"schema_version\":\"1.0\",\"prompt\":\"\\ud800\",\"image\":\"a.png\",\"model\":\"llava_tiny\"}", "prompt is not valid Unicode text" },
            { Json(valid.Without("image")), "image is missing" },
            { Json(valid.With("image", "../other-job/image.png")), "'..' segment" },
            { Json(valid.With("image", "./image.png")), "'..' segment" },
            { Json(valid.With("image", "/jobs/x/image.png")), "without a leading '/'" },
            { Json(valid.With("image", "dir\\image.png")), "contains '\\'" },
            { Json(valid.With("image", "my image.png")), "may contain only letters, digits" },
            { Json(valid.With("image", "a//b.png")), "empty path segment" },
            { Json(valid.With("image", "images/")), "empty path segment" },
            { Json(valid.With("image", "image\n.png")), "image contains a control character" },
            { Json(valid.With("image", "job.json")), "image names the manifest itself" },
            { Json(valid.With("image", new string('a', 257))), "the limit is 256" },
            { Json(valid.With("model", "gpt-4")), "model 'gpt-4' is not known; known: llava_tiny, qwen2vl_tiny" },
            { Json(valid.With("method", "magic")), "method 'magic' is not known; known: glimpse, glimpse-fast" },
            { Json(valid.With("options", "fast")), "options must be an object, not a string" },
            { Json(valid.With("options", new JsonObject { ["lambda"] = -1 })), "options.lambda must be a number in (0, 1000], not -1" },
            { Json(valid.With("options", new JsonObject { ["lambda"] = "big" })), "options.lambda must be a number in (0, 1000], not \"big\"" },
            { Json(valid.With("options", new JsonObject { ["layer_fraction"] = 1.5 })), "options.layer_fraction must be a number in (0, 1]" },
            { Json(valid.With("options", new JsonObject { ["chunk_size"] = 1.5 })), "options.chunk_size must be a whole number in [0, 1024]" },
            { Json(valid.With("options", new JsonObject { ["depth_prior"] = "yes" })), "options.depth_prior must be true or false" },
            { Json(valid.With("options", new JsonObject { ["normalize"] = "log" })), "options.normalize must be one of \"minmax\", \"percentile\", \"rank\"" },
            { Json(valid.With("options", new JsonObject { ["precision"] = "bfloat16" })), "options.precision must be one of \"float32\", \"bfloat16-mixed\", not \"bfloat16\"" },
            { Json(valid.With("options", new JsonObject { ["fast"] = true })), "options.fast is not an option; known: answer_tokens, chunk_size" },
            { Json(valid.With("max_new_tokens", 0)), "max_new_tokens must be a whole number in [1, 256], not 0" },
            { Json(valid.With("max_new_tokens", 100000)), "max_new_tokens must be a whole number in [1, 256], not 100000" },
            { Json(valid.With("max_new_tokens", "5")), "max_new_tokens must be a whole number in [1, 256], not \"5\"" },
            { Json(valid.With("correlation_id", "")), "correlation_id is empty" },
            { Json(valid.With("correlation_id", new string('c', 129))), "correlation_id is 129 characters long; the limit is 128" },
            { Json(valid.With("tags", new JsonObject { ["n"] = 5 })), "tags.n must be a string, not a number" },
            { Json(valid.With("tags", new JsonObject { ["bad key"] = "v" })), "tag name 'bad key' must be 1 to 64" },
            { Json(valid.With("tags", new JsonObject(Enumerable.Range(0, 33).Select(i => KeyValuePair.Create($"t{i}", (JsonNode?)"v"))))), "tags has 33 entries; the limit is 32" },
            { Json(valid.With("tags", new JsonObject { ["k"] = new string('v', 257) })), "tags.k is 257 characters long; the limit is 256" },
        };
    }

    [Theory]
    [MemberData(nameof(BrokenManifests))]
    public void A_broken_manifest_is_rejected_with_a_clear_problem(string json, string expected)
    {
        var validation = Validate(json);

        Assert.False(validation.IsValid);
        Assert.Null(validation.Settings);
        Assert.Contains(validation.Problems, problem => problem.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_manifest_over_the_size_limit_is_rejected_before_parsing()
    {
        var validator = new ManifestValidator(new ManifestLimits { MaxManifestBytes = 100 }, [TinyModels.Llava]);
        byte[] bytes = TestManifests.Bytes(TestManifests.Valid());

        var validation = validator.Validate(bytes);

        Assert.Equal([$"the manifest is {bytes.Length} bytes; the limit is 100"], validation.Problems);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_and_the_valid_fields_are_echoed()
    {
        var manifest = TestManifests.Valid().With("prompt", "").With("model", "unknown").With("options", new JsonObject { ["lambda"] = 0 });

        var validation = Validate(manifest);

        Assert.Equal(3, validation.Problems.Count);
        Assert.Null(validation.Echo.Model);
        Assert.Equal("glimpse", validation.Echo.Method);
        Assert.Equal("client-42", validation.Echo.CorrelationId);
        Assert.Equal("nightly", validation.Echo.Tags["run"]);
    }

    [Fact]
    public void A_byte_order_mark_is_accepted()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. TestManifests.Bytes(TestManifests.Valid())];

        Assert.True(Validator.Validate(bytes).IsValid);
    }
}
