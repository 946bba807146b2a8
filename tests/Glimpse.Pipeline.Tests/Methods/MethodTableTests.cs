using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Glimpse.Core.Methods;

namespace Glimpse.Pipeline.Tests.Methods;

/// <summary>
/// The method and option tables (Glimpse.Core.Methods) are the one source of the method names and option specs: the
/// JSON Schemas must say exactly what they say, and parsing a manifest value or a command-line text must agree.
/// </summary>
public sealed class MethodTableTests
{
    private static JsonNode Schema(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Schemas", name)))!;

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Where(n => n is not null).Select(n => n!.GetValue<string>())];

    [Fact]
    public void The_schemas_method_enums_are_the_method_table()
    {
        var job = Schema("job.schema.json")["properties"]!["method"]!;
        Assert.Equal(ExplainMethods.Names, Strings(job["enum"]));
        Assert.Contains(job["enum"]!.AsArray(), n => n is null);   // null means the default
        // Audit suites take variants (glimpse[depth_prior=off]): a pattern over the table's names.
        string pattern = Schema("audit-suite.schema.json")["properties"]!["methods"]!["items"]!["pattern"]!.GetValue<string>();
        Assert.Equal(MethodVariant.SchemaPattern, pattern);
        foreach (string name in ExplainMethods.Names) Assert.Matches(pattern, name);
        Assert.Matches(pattern, "glimpse[token_weights=uniform,depth_prior=off]");
        Assert.Matches(pattern, "raw-attention[layer=-2]");
        Assert.DoesNotMatch(pattern, "saliency[layer=1]");
        Assert.DoesNotMatch(pattern, "glimpse[depth_prior]");
        // result.json names the methods as examples, not an enum: a reader of 2.x accepts a method it does not know yet.
        Assert.Equal(ExplainMethods.Names.Order(), Strings(Schema("result.schema.json")["properties"]!["method"]!["examples"]).Order());
    }

    [Fact]
    public void The_job_schemas_options_are_the_option_table()
    {
        var properties = Schema("job.schema.json")["properties"]!["options"]!["properties"]!.AsObject();
        Assert.Equal(ExplainOptions.Names.Order(), properties.Select(p => p.Key).Order());
        foreach (var option in ExplainOptions.All)
        {
            var property = properties[option.Name]!;
            string type = option.Kind switch
            {
                OptionKind.Number => "number", OptionKind.Integer => "integer", OptionKind.Boolean => "boolean", _ => "string",
            };
            Assert.True(type == property["type"]!.GetValue<string>(), $"{option.Name}: the schema's type is {property["type"]}, the table's {type}");
            if (option.Kind == OptionKind.Choice) Assert.Equal(option.Choices, Strings(property["enum"]));
            if (option.Kind is OptionKind.Number or OptionKind.Integer)
            {
                string lower = option.MinimumExclusive ? "exclusiveMinimum" : "minimum";
                Assert.True(property[lower] is not null, $"{option.Name}: the schema has no {lower}");
                Assert.Equal(option.Minimum, property[lower]!.GetValue<double>());
                Assert.Equal(option.Maximum, property["maximum"]!.GetValue<double>());
            }
            // The schema's default, written as the table writes values, is the code's default.
            var schemaDefault = JsonSerializer.SerializeToElement(property["default"]);
            Assert.True(option.Parse(schemaDefault) is not null, $"{option.Name}: the schema's default {property["default"]} is not a valid value");
            Assert.Equal(option.Default, option.Value(option.Apply(ExplainSettings.Default, option.Parse(schemaDefault)!)));
        }
    }

    [Fact]
    public void A_value_means_the_same_written_as_json_or_as_text()
    {
        foreach (var option in ExplainOptions.All)
        {
            // A value inside the range and away from the default: the middle of the range (the default may be an end).
            double middle = option.Minimum + (option.Maximum - option.Minimum) / 2;
            var (json, text) = option.Kind switch
            {
                OptionKind.Number => (JsonSerializer.SerializeToElement(middle), middle.ToString("R", CultureInfo.InvariantCulture)),
                OptionKind.Integer => (JsonSerializer.SerializeToElement((int)middle), ((int)middle).ToString(CultureInfo.InvariantCulture)),
                OptionKind.Boolean => (JsonSerializer.SerializeToElement(option.Default == "off"), option.Default == "off" ? "on" : "off"),
                _ => (JsonSerializer.SerializeToElement(option.Choices[^1]), option.Choices[^1]),
            };
            var fromJson = option.Apply(ExplainSettings.Default, option.Parse(json)!);
            var fromText = option.Apply(ExplainSettings.Default, option.Parse(text)!);
            Assert.Equal(fromJson, fromText);
            Assert.NotEqual(option.Default, option.Value(fromJson));   // the value changed something, and the table reads it back
        }
    }

    [Theory]
    [InlineData("lambda", "0")]            // the lower bound is exclusive
    [InlineData("lambda", "1000.5")]
    [InlineData("lambda", "NaN")]
    [InlineData("chunk_size", "1.5")]
    [InlineData("chunk_size", "-1")]
    [InlineData("depth_prior", "yes")]
    [InlineData("target", "Logit")]        // choices are spelt exactly
    [InlineData("normalize", "")]
    public void Out_of_range_or_misspelt_values_are_refused(string name, string text) =>
        Assert.Null(ExplainOptions.Find(name)!.Parse(text));

    [Fact]
    public void Result_options_of_glimpse_are_every_reported_option_and_the_mode()
    {
        var described = new GlimpseOptions().Describe();
        var reported = ExplainOptions.All.Where(o => o.Reported && o.AppliesTo(ExplainMethods.Get("glimpse"))).Select(o => o.Name).Append("mode");
        Assert.Equal(reported.Order(StringComparer.Ordinal), described.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("exact", described["mode"]);
        Assert.Equal("fast (approximate)", (new GlimpseOptions { Fast = true }).Describe()["mode"]);
        Assert.Equal("0.5", described["lambda"]);
        Assert.Equal("on", described["depth_prior"]);
        Assert.Equal("log-prob", (new GlimpseOptions { Target = GradientTarget.LogProbability }).Describe()["target"]);
    }

    [Fact]
    public void An_option_a_method_does_not_take_is_refused_not_ignored()
    {
        var problems = new List<string>();
        var options = new Dictionary<string, JsonElement>
        {
            ["lambda"] = JsonSerializer.SerializeToElement(0.3),
            ["normalize"] = JsonSerializer.SerializeToElement("rank"),
            ["chunk_size"] = JsonSerializer.SerializeToElement(2),
        };

        var settings = ExplainOptions.Parse(ExplainMethods.Get("rollout"), options, problems);

        Assert.Equal(["options.chunk_size does not apply to method rollout; it applies to glimpse, glimpse-fast, chefer, gradcam",
            "options.lambda does not apply to method rollout; it applies to glimpse, glimpse-fast"], problems);
        Assert.Equal(MapNormalization.Rank, settings.Normalization);   // what does apply is read
        problems.Clear();
        ExplainOptions.Parse(ExplainMethods.Get("chefer"), new Dictionary<string, JsonElement> { ["chunk_size"] = options["chunk_size"] }, problems);
        Assert.Empty(problems);
    }

    [Fact]
    public void Text_options_name_the_option_as_the_user_wrote_it()
    {
        var problems = new List<string>();
        ExplainOptions.Parse(ExplainMethods.Get("glimpse"), [new("depth_lambda", "steep"), new("lamda", "1")], name => "--" + name.Replace('_', '-'), problems);
        Assert.Equal(2, problems.Count);
        Assert.Equal("--depth-lambda must be a number in [-100, 100], not steep", problems[0]);
        Assert.StartsWith("--lamda is not an option; known: ", problems[1]);
    }

    [Fact]
    public void Unknown_methods_are_refused_with_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => ExplainMethods.Get("glimpse-exact"));
        Assert.Contains("Known: glimpse, glimpse-fast, chefer, rollout, raw-attention, gradcam, tam.", error.Message);
        Assert.True(ExplainMethods.Get("glimpse-fast").Approximate);
        Assert.Single(ExplainMethods.All, m => m.Approximate);
    }
}
