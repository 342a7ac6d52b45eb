using System.CommandLine;
using CsvHelper;
using MiniNetFgsm.Benchmarking;
using MiniNetFgsm.Data;
using MiniNetFgsm.Models;

namespace MiniNetFgsm.Cli.Commands;

/// <summary>
/// <c>mininet bench</c>: training, inference and FGSM throughput on real MNIST images, as CSV
/// (<see cref="ThroughputRecord"/>: <c>model,phase,threads,batch,images,seconds,images_per_second</c>), followed by comment lines with the
/// achieved GFLOP/s and garbage-collection counts of each phase.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "lenet, mnist-cnn or all.", DefaultValueFactory = _ => "all" };
        model.AcceptOnlyFromAmong([.. ModelZoo.Architectures, "all"]);
        var threads = Cli.ThreadsOption();
        var batch = new Option<int>("--batch") { Description = "Images per batch.", DefaultValueFactory = _ => 64 };
        var images = new Option<int?>("--images") { Description = "Images per measured phase (default: 25,600 for lenet, 3,200 for mnist-cnn)." };
        var warmUp = new Option<double>("--warmup")
        {
            Description = "Seconds each phase runs before it is measured, so the JIT's optimised code is what gets timed.",
            DefaultValueFactory = _ => Throughput.DefaultWarmUp.TotalSeconds,
        };
        var data = Cli.DataOption();
        var layers = new Option<bool>("--layers")
        {
            Description = "Also time every layer of a training step (batch / threads images per thread, one copy of the model per thread running at once, as the replicas of training do), as comment lines.",
        };
        var command = new Command("bench", "Measure training, inference and FGSM throughput (images/s) on real MNIST images; prints CSV.")
        {
            model, threads, batch, images, warmUp, data, layers,
        };
        command.SetAction(parse => Cli.Run(() =>
        {
            int t = Cli.CheckThreads(parse.GetValue(threads));
            int b = parse.GetValue(batch);
            if (b < 1)
            {
                throw new UserError($"--batch must be at least 1 (got {b}).");
            }

            int? requested = parse.GetValue(images);
            if (requested is < 1)
            {
                throw new UserError($"--images must be at least 1 (got {requested}).");
            }

            double warmUpSeconds = parse.GetValue(warmUp);
            if (!(warmUpSeconds >= 0 && warmUpSeconds <= 3600))
            {
                throw new UserError($"--warmup must be between 0 and 3600 seconds (got {Cli.FormatNumber(warmUpSeconds, "0.###")}).");
            }

            string which = parse.GetValue(model)!;
            string[] models = which == "all" ? [.. ModelZoo.Architectures] : [which];
            MnistDataset dataset = Cli.LoadData(parse.GetValue(data));
            var results = new List<ThroughputResult>();
            using (CsvWriter csv = CsvFile.OnConsole(Console.Out))
            {
                csv.WriteHeader<ThroughputRecord>();
                csv.Flush();
                foreach (string m in models)
                {
                    int n = Math.Min(requested ?? (m == ModelZoo.LeNet ? 25_600 : 3_200), dataset.Train.Count);
                    foreach (string phase in Throughput.Phases)
                    {
                        ThroughputResult r = Throughput.Measure(m, phase, dataset.Train, t, b, n, TimeSpan.FromSeconds(warmUpSeconds));
                        results.Add(r);
                        csv.WriteRecord(new ThroughputRecord(r));
                        csv.Flush();      // each row as soon as its phase is measured
                    }
                }
            }

            // allocated_kb includes each run's setup (replicas, optimizer state, layer buffers); steady_bytes_per_batch is
            // what a batch allocates once set up, from the difference with the last (shorter) warm-up run.
            Console.WriteLine("# model,phase,gflops_per_second,gen0_collections,allocated_kb,steady_bytes_per_batch");
            foreach (ThroughputResult r in results)
            {
                string steady = r.SteadyStateBytesPerBatch is double bytes ? Cli.FormatNumber(bytes, "0") : "";
                Console.WriteLine($"# {r.Model},{r.Phase},{Cli.FormatNumber(r.GflopsPerSecond, "0.0")},{r.Gen0Collections},{Cli.FormatNumber(r.AllocatedBytes / 1024.0, "0")},{steady}");
            }

            if (parse.GetValue(layers))
            {
                int slice = Math.Max(1, b / t);
                Console.WriteLine($"# per-layer time of one training step, batch {slice} per thread, {t} threads each running its own copy at once (microseconds per batch)");
                Console.WriteLine("# model,layer,forward_us,backward_us,share");
                foreach (string m in models)
                {
                    IReadOnlyList<LayerTiming> timings = LayerProfile.Measure(m, dataset.Train, slice, batches: 50, copies: t);
                    double total = timings.Sum(x => x.TotalMicroseconds);
                    foreach (LayerTiming x in timings)
                    {
                        Console.WriteLine($"# {m},{x.Layer},{Cli.FormatNumber(x.ForwardMicroseconds, "0")},{Cli.FormatNumber(x.BackwardMicroseconds, "0")},{Cli.Percent(x.TotalMicroseconds / total)}");
                    }
                }
            }

            return 0;
        }));
        return command;
    }
}
