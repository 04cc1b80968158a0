from medcite.serve.cli import main

main()
