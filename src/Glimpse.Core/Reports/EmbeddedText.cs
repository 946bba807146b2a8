using System.Reflection;

namespace Glimpse.Core.Reports;

/// <summary>Text files compiled into this assembly (the pages' CSS and script), by logical name.</summary>
internal static class EmbeddedText
{
    public static string Read(string logicalName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(logicalName)
            ?? throw new InvalidOperationException($"the embedded resource {logicalName} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The shared theme followed by a page's own rules.</summary>
    public static string PageStyle(string pageStylesheet) =>
        Read("Glimpse.Core.Reports.Theme.css") + "\n" + Read(pageStylesheet);
}
