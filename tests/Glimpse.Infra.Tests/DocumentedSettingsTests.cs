using System.Text.RegularExpressions;
using Glimpse.Infra.Tests.Support;

namespace Glimpse.Infra.Tests;

/// <summary>
/// The settings the templates give the hosts, the list in <see cref="DocumentedSettings"/> and the README's table are
/// the same set of names.
/// </summary>
[Collection(CompiledTemplateCollection.Name)]
public sealed partial class DocumentedSettingsTests(CompiledTemplate compiled)
{
    [Fact]
    public void Every_setting_the_templates_set_is_documented_and_every_documented_one_is_set()
    {
        var used = new SortedSet<string>(StringComparer.Ordinal);
        used.UnionWith(compiled.FunctionAppSettings().Keys);
        used.UnionWith(compiled.WorkerEnvironmentNames());
        used.UnionWith(ComposeEnvironmentNames("functions"));
        used.UnionWith(ComposeEnvironmentNames("worker"));

        Assert.Empty(used.Except(DocumentedSettings.Names));
        Assert.Empty(DocumentedSettings.Names.Except(used));
        Assert.Equal(DocumentedSettings.Names.Count, DocumentedSettings.Names.Distinct().Count());
    }

    [Fact]
    public void Both_hosts_in_azure_get_the_pipeline_settings()
    {
        string[] shared =
        [
            "AZURE_CLIENT_ID", "Glimpse__Storage__BlobServiceUri", "Glimpse__Transport__Kind",
            "Glimpse__ServiceBus__FullyQualifiedNamespace", "Glimpse__ServiceBus__QueueName", "Glimpse__ServiceBus__TopicName",
            "APPLICATIONINSIGHTS_CONNECTION_STRING",
        ];
        Assert.Empty(shared.Except(compiled.FunctionAppSettings().Keys));
        Assert.Empty(shared.Except(compiled.WorkerEnvironmentNames()));
    }

    [Fact]
    public void Readme_table_lists_exactly_the_documented_settings()
    {
        string table = TableAfter(ReadmeSection("## Deploying to Azure"), "**Settings the hosts get**");
        string[] rows = TableRowName().Matches(table).Select(m => m.Groups[1].Value).ToArray();
        Assert.NotEmpty(rows);
        Assert.Empty(rows.Except(DocumentedSettings.Names));
        Assert.Empty(DocumentedSettings.Names.Except(rows));
    }

    private static IEnumerable<string> ComposeEnvironmentNames(string service) =>
        YamlFile.Load(RepositoryPaths.DockerCompose).Map("services").Map(service).Map("environment").Keys.Cast<string>();

    /// <summary>The README from <paramref name="heading"/> to the next heading of the same level.</summary>
    private static string ReadmeSection(string heading)
    {
        string readme = File.ReadAllText(RepositoryPaths.Readme);
        int start = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README.md has no '{heading}' section");
        int end = readme.IndexOf("\n## ", start + heading.Length + 2, StringComparison.Ordinal);
        return end < 0 ? readme[start..] : readme[start..end];
    }

    /// <summary>The first Markdown table after the paragraph that starts with <paramref name="lead"/>.</summary>
    private static string TableAfter(string section, string lead)
    {
        int at = section.IndexOf("\n" + lead, StringComparison.Ordinal);
        Assert.True(at >= 0, $"README.md has no paragraph starting '{lead}'");
        IEnumerable<string> lines = section[at..].Split('\n').Skip(1)
            .SkipWhile(line => !line.StartsWith('|')).TakeWhile(line => line.StartsWith('|'));
        return string.Join('\n', lines);
    }

    /// <summary>A table row whose first cell is one code span: | `Name` | ...</summary>
    [GeneratedRegex(@"^\| `([A-Za-z_][A-Za-z0-9_]*)` \|", RegexOptions.Multiline)]
    private static partial Regex TableRowName();
}
