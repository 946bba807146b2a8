using System.Net;
using System.Text;

namespace Glimpse.Core.Reports;

/// <summary>What every Glimpse page (report.html, eval.html, an audit's report.html) starts with.</summary>
public static class HtmlPage
{
    /// <summary>The doctype and the whole head: charset, viewport, generator, the title (encoded here) and the inline stylesheet.</summary>
    public static void AppendHead(StringBuilder page, string title, string style)
    {
        ArgumentNullException.ThrowIfNull(page);
        page.Append($"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="Glimpse">
            <title>{WebUtility.HtmlEncode(title)}</title>
            <style>
            {style}</style>
            </head>

            """);
    }
}
