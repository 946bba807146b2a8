using System.CommandLine;
using System.Text.Json;
using Glimpse.Core.Methods;

namespace Glimpse.Cli.Commands;

/// <summary>
/// One command-line flag per entry of the option table (<see cref="ExplainOptions"/>): <c>--depth-lambda 0.3</c>,
/// <c>--depth-prior false</c>, <c>--per-token-maps</c>. Help, ranges and defaults come from the table, and values go
/// through the same parser as a manifest's <c>options</c>, so the two cannot disagree.
/// </summary>
internal sealed class MethodOptionFlags
{
    private readonly List<(ExplainOption Spec, Option Flag)> _flags = [];

    public MethodOptionFlags()
    {
        foreach (var spec in ExplainOptions.All)
        {
            string help = $"{spec.Description} {Capitalised(spec.Expected)}; default {spec.Default}.";
            Option flag = spec.Kind == OptionKind.Boolean
                ? new Option<bool>(spec.Flag) { Description = help }
                : new Option<string>(spec.Flag) { Description = help, HelpName = spec.Kind == OptionKind.Choice ? string.Join("|", spec.Choices) : "value" };
            _flags.Add((spec, flag));
        }
    }

    public IEnumerable<Option> All => _flags.Select(f => f.Flag);

    /// <summary>The flags given on this command line, by option name, as text.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Given(ParseResult parse)
    {
        var given = new List<KeyValuePair<string, string>>();
        foreach (var (spec, flag) in _flags)
        {
            if (parse.GetResult(flag) is not { Implicit: false }) continue;   // not on the command line (a bool flag has an implicit result)
            string text = flag is Option<bool> boolean ? (parse.GetValue(boolean) ? "true" : "false") : parse.GetValue((Option<string>)flag) ?? "";
            given.Add(new(spec.Name, text));
        }
        return given;
    }

    /// <summary>The settings the flags ask for, for one method; a flag the method does not take, or a bad value, is an error.</summary>
    public ExplainSettings Read(ParseResult parse, string method) => Read(Given(parse), ExplainMethods.Get(method));

    /// <summary>
    /// The settings for a run of several methods (<c>glimpse eval</c>): each flag must apply to at least one of them, and
    /// applies to those that take it.
    /// </summary>
    public ExplainSettings Read(ParseResult parse, IReadOnlyList<ExplainMethod> methods)
    {
        var problems = new List<string>();
        var settings = ExplainOptions.Parse(methods, Given(parse), Label, problems);
        return problems.Count == 0 ? settings : throw new UserInputException(string.Join("; ", problems) + ".");
    }

    /// <summary>The flags as a manifest's <c>options</c> (for <c>glimpse submit</c>), checked first so a bad value fails here.</summary>
    public IReadOnlyDictionary<string, JsonElement> ManifestOptions(ParseResult parse, string method)
    {
        var given = Given(parse);
        Read(given, ExplainMethods.Get(method));
        return given.ToDictionary(g => g.Key, g => JsonSerializer.SerializeToElement(ExplainOptions.Find(g.Key)!.Parse(g.Value)), StringComparer.Ordinal);
    }

    private static ExplainSettings Read(IReadOnlyList<KeyValuePair<string, string>> given, ExplainMethod method)
    {
        var problems = new List<string>();
        var settings = ExplainOptions.Parse(method, given, Label, problems);
        return problems.Count == 0 ? settings : throw new UserInputException(string.Join("; ", problems) + ".");
    }

    private static string Label(string name) => "--" + name.Replace('_', '-');

    private static string Capitalised(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
