using System.Net;
using System.Text;
using Glimpse.Demo.Questions;

namespace Glimpse.Demo;

/// <summary>The demo's index.html: one card per sample with the scene, the overlay, the question, the answer and a link to the report. No network.</summary>
public static class DemoIndexPage
{
    public static string Render(IReadOnlyList<DemoEntry> entries, string modelDir, string method)
    {
        static string E(string text) => WebUtility.HtmlEncode(text);
        int correct = entries.Count(e => e.Correct);
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.AppendLine("<title>Glimpse demo</title>");
        html.AppendLine("<style>");
        html.AppendLine(Style);
        html.AppendLine("</style></head><body>");
        html.AppendLine("<header><h1>Glimpse demo</h1>");
        html.AppendLine($"<p>What the demo model looked at when it answered: {E(method)} explanations of {entries.Count} sample questions " +
                        $"about synthetic scenes ({correct} of {entries.Count} answered correctly). " +
                        "Each card shows the scene, the explanation laid over it, and the objects the answer depends on; open the report for the details.</p>");
        html.AppendLine($"<p class=\"model\">Model: <code>{E(modelDir)}</code></p></header>");
        html.AppendLine("<main>");
        foreach (var e in entries)
        {
            string link = $"{e.Folder}/report.html";
            html.AppendLine($"<article class=\"card {(e.Correct ? "right" : "wrong")}\" data-kind=\"{E(e.Item.Kind.Tag())}\">");
            html.AppendLine($"<a class=\"pictures\" href=\"{E(link)}\">");
            html.AppendLine($"<figure><img src=\"{E(e.Folder)}/image.png\" alt=\"scene\"><figcaption>scene</figcaption></figure>");
            html.AppendLine($"<figure><img src=\"{E(e.Folder)}/overlay.png\" alt=\"explanation overlay\"><figcaption>{E(method)}</figcaption></figure>");
            html.AppendLine($"<figure><img src=\"{E(e.Folder)}/evidence.png\" alt=\"evidence mask\"><figcaption>evidence</figcaption></figure>");
            html.AppendLine("</a>");
            html.AppendLine($"<p class=\"kind\">{E(e.Item.Kind.Tag())}</p>");
            html.AppendLine($"<p class=\"question\">{E(e.Item.Question)}</p>");
            html.AppendLine($"<p class=\"answer\"><span class=\"mark\">{(e.Correct ? "✓" : "✗")}</span> {E(e.Answer)}</p>");
            if (!e.Correct) html.AppendLine($"<p class=\"expected\">expected: {E(e.Item.Answer)}</p>");
            html.AppendLine($"<p><a href=\"{E(link)}\">report</a></p>");
            html.AppendLine("</article>");
        }
        html.AppendLine("</main></body></html>");
        return html.ToString();
    }

    private const string Style = """
        body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f5f6f8; }
        header { padding: 20px 28px 4px; max-width: 1100px; }
        h1 { margin: 0 0 8px; font-size: 24px; }
        .model { color: #5b6570; font-size: 13px; }
        main { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 18px; padding: 12px 28px 28px; }
        .card { background: #fff; border-radius: 10px; padding: 14px; box-shadow: 0 1px 3px rgba(0,0,0,.12); border-top: 4px solid #2e9d5b; }
        .card.wrong { border-top-color: #c8372d; }
        .pictures { display: flex; gap: 8px; text-decoration: none; color: inherit; }
        figure { margin: 0; flex: 1; }
        figure img { width: 100%; display: block; border-radius: 4px; }
        figcaption { font-size: 12px; color: #5b6570; text-align: center; }
        .kind { text-transform: uppercase; letter-spacing: .06em; font-size: 11px; color: #5b6570; margin: 10px 0 2px; }
        .question { font-weight: 600; margin: 0 0 4px; }
        .answer { margin: 0 0 4px; }
        .right .mark { color: #2e9d5b; } .wrong .mark { color: #c8372d; }
        .expected { color: #c8372d; margin: 0 0 4px; }
        """;
}
